"""Recipes of the reach phase: the requests that lead every operation to a success response.

Steps run in order; `{name}` in a path, query, header or body is a value an earlier step saved
(`save` maps a name to a slash path into the response body, or `header:Name`), or one the run knows
from its token (`userId`, `tenantId`, `clientId`) and `prefix` (the run's name prefix, so safe mode
owns what it creates). A step whose value is missing (its prerequisite failed) is skipped. Steps
marked `simulator_only` use the simulator's control API (`/_sim`): the clock, a second user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contracts.harness.target import OWNER

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
START, END = "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"
#: A seeded simulator user the run invites into the simulator's second tenant (OWNER: the run's own).
INVITEE = "writer@example.com"


@dataclass(frozen=True)
class Step:
    operation_id: str = ""
    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    media_type: str = JSON
    save: dict[str, str] = field(default_factory=dict)
    #: A control API call (POST to this /_sim path with `sim_body`) instead of an operation.
    sim: str | None = None
    sim_body: Any = None
    #: A WebSocket URL to open (the stream operations' success is the 101 handshake).
    stream: str | None = None
    simulator_only: bool = False


def sim(path: str, body: Any, save: dict[str, str] | None = None) -> Step:
    return Step(sim=path, sim_body=body, simulator_only=True, save=save or {})


def as_user(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {{{token}}}"}


#: A device type with every schema section, so state, actions, events and timeseries have a subject.
DEVICE_TYPE_SCHEMA: dict[str, Any] = {
    "attributes": {"temperature": {"type": "number"}},
    "configuration": {"brightness": {"type": "number", "minimum": 0, "maximum": 100}},
    "events": {"overheated": {"type": "object", "properties": {"temperature": {"type": "number"}}}},
    "actions": {"blink": {"type": "object", "properties": {"times": {"type": "integer", "minimum": 1}}}},
}

DEVICE = {"deviceId": "{deviceId}"}
CERT = {**DEVICE, "certId": "{certId}"}
APP = {"applicationId": "{applicationId}"}
TYPE = {"deviceTypeId": "{deviceTypeId}"}
SLOT = {**TYPE, "slotName": "firmware"}
SERIES = {"timeseriesId": "{timeseriesId}"}
RANGE = {"startTime": START, "endTime": END}

RECIPES: tuple[Step, ...] = (
    # -- identity
    Step("getRealmInfo"),
    Step("getUserInfo"),
    Step("getTenant", path={"tenantId": "{tenantId}"}),
    Step("updateTenant", path={"tenantId": "{tenantId}"}, body={}),
    Step("listTenantRoles", path={"tenantId": "{tenantId}"}, save={"roleId": "data/0/id"}),
    Step("getUser", path={"userId": "{userId}"}),
    Step("listUserTenants", path={"userId": "{userId}"}),
    Step("getUserTenant", path={"userId": "{userId}", "tenantId": "{tenantId}"}),
    Step("listUserPermissions", path={"userId": "{userId}"}),
    Step("listTenantUsers", path={"tenantId": "{tenantId}"}),
    Step("listRoleUsers", path={"roleId": "{roleId}"}),
    Step("listTenantUserRoles", path={"tenantId": "{tenantId}", "userId": "{userId}"}, save={"ownerRoles": "data"}),
    Step("listPermissions"),
    # -- applications
    Step(
        "createApplication",
        body={
            "name": "{prefix}app",
            "redirectUris": ["http://localhost/cb"],
            "allowedTenants": [{"tenantId": "{tenantId}"}],
        },
        save={
            "applicationId": "data/id",
            "appClientId": "data/oauth2Client/id",
            "appSecret": "data/oauth2Client/secret",
            "appPermissions": "data/permissions",
        },
    ),
    Step("regenerateApplicationSecret", path=APP, save={"appSecret": "data/oauth2Client/secret"}),
    Step(
        "createCustomPermission",
        path=APP,
        body={"alias": "{prefix}perm", "category": "custom", "name": "{prefix}permission"},
        save={"permissionId": "data/id"},
    ),
    Step("listCustomPermissions", path=APP),
    Step("getCustomPermission", path={**APP, "permissionId": "{permissionId}"}),
    Step("updateCustomPermission", path={**APP, "permissionId": "{permissionId}"}, body={"description": "x"}),
    Step("addAllowedTenant", path={**APP, "tenantId": "{tenantId}"}),
    Step("listAllowedTenants", path=APP),
    Step("getTenantApplication", path=APP),
    Step("listApplicationPermissions", path=APP),
    Step("installApplication", path=APP, body={"permissions": "{appPermissions}"}),
    Step("getApplicationInstallation", path=APP),
    Step("updateApplicationInstallation", path=APP, body={"permissions": "{appPermissions}"}),
    Step(
        "createToken",
        media_type=FORM,
        headers={"tenant": "{tenantId}"},
        body={"grant_type": "client_credentials", "client_id": "{appClientId}", "client_secret": "{appSecret}"},
        save={"appToken": "access_token"},
    ),
    Step(
        "authorize",
        query={
            "client_id": "{appClientId}",
            "redirect_uri": "http://localhost/cb",
            "scope": "openid",
            "response_type": "code",
            "response_mode": "query",
        },
    ),
    Step("getOwnInstallation", headers=as_user("appToken")),
    Step(
        "createToken",
        media_type=FORM,
        body={"grant_type": "client_credentials", "client_id": "{appClientId}", "client_secret": "{appSecret}"},
        save={"appDeveloperToken": "access_token"},
    ),
    Step("listInstalledTenants", headers=as_user("appDeveloperToken")),
    # -- roles and invites
    Step("createRole", body={"name": "{prefix}role", "permissions": []}, save={"newRoleId": "data/id"}),
    Step("replaceTenantUserRoles", path={"tenantId": "{tenantId}", "userId": "{userId}"}, body="{ownerRoles}"),
    Step(
        "createTenantInvite",
        path={"tenantId": "{tenantId}"},
        body={"receiverEmail": "{prefix}invitee@example.com", "roles": [{"id": "{newRoleId}"}]},
        save={"inviteId": "data/id"},
    ),
    Step("listTenantInvites", path={"tenantId": "{tenantId}"}),
    Step("deleteTenantInvite", path={"tenantId": "{tenantId}", "inviteId": "{inviteId}"}),
    Step("listUserInvites", path={"userId": "{userId}"}),
    # a seeded user invited into the simulator's second tenant accepts, then is removed again
    sim("/_sim/tokens", {"user": OWNER, "tenant": "{otherTenantId}"}, save={"otherToken": "access_token"}),
    sim("/_sim/tokens", {"user": INVITEE}, save={"inviteeToken": "access_token"}),
    Step(
        "listTenantRoles",
        path={"tenantId": "{otherTenantId}"},
        headers=as_user("otherToken"),
        save={"otherRoleId": "data/0/id"},
        simulator_only=True,
    ),
    Step("getUserInfo", headers=as_user("inviteeToken"), save={"inviteeId": "sub"}, simulator_only=True),
    Step(
        "createTenantInvite",
        path={"tenantId": "{otherTenantId}"},
        headers=as_user("otherToken"),
        body={"receiverEmail": INVITEE, "roles": [{"id": "{otherRoleId}"}]},
        save={"otherInviteId": "data/id"},
        simulator_only=True,
    ),
    Step("listUserInvites", path={"userId": "{inviteeId}"}, headers=as_user("inviteeToken"), simulator_only=True),
    Step(
        "updateUserInvite",
        path={"userId": "{inviteeId}", "inviteId": "{otherInviteId}"},
        headers=as_user("inviteeToken"),
        body={"status": "accepted"},
        simulator_only=True,
    ),
    Step(
        "removeTenantUser",
        path={"tenantId": "{otherTenantId}", "userId": "{inviteeId}"},
        headers=as_user("otherToken"),
        simulator_only=True,
    ),
    # -- device types and devices
    Step(
        "createDeviceType",
        body={"name": "{prefix}lamp", "schema": DEVICE_TYPE_SCHEMA, "slots": {"firmware": {"name": "Main firmware"}}},
        save={"deviceTypeId": "data/id"},
    ),
    Step("updateDeviceTypeOnlineMonitoring", path=TYPE, body={"communicationInterval": 600}),
    Step("getDeviceTypeOnlineMonitoring", path=TYPE),
    Step(
        "createDevice",
        body={"info": {"name": "{prefix}device", "deviceTypeId": "{deviceTypeId}"}},
        save={"deviceId": "data/id"},
    ),
    Step("updateDeviceOnlineMonitoring", path=DEVICE, body={"communicationInterval": 600}),
    Step("getDeviceOnlineMonitoring", path=DEVICE),
    Step("createDeviceAction", path=DEVICE, body={"action": "blink", "payload": {"times": 2}}),
    Step(
        "ingestData",
        body={
            "senderId": "{deviceId}",
            "deviceId": "{deviceId}",
            "type": "attributes",
            "value": {"temperature": 21.5},
            "time": "2026-01-01T06:00:00Z",
        },
    ),
    Step(
        "ingestEvent",
        body={
            "type": "overheated",
            "deviceId": "{deviceId}",
            "senderId": "{deviceId}",
            "value": {"temperature": 90},
            "createdAt": "2026-01-01T06:00:00Z",
        },
    ),
    Step("getDeviceState", path=DEVICE),
    Step("listDeviceLastEvents", path=DEVICE),
    Step("listDeviceLastDiagnostics", path=DEVICE),
    Step("getDeviceLastTimeseries", path=DEVICE, query={"path": "temperature"}),
    Step(
        "getDeviceAggregatedTimeseries",
        path=DEVICE,
        query={**RANGE, "aggregation": "mean", "path": "temperature"},
    ),
    Step("createStreamingConnection", body={"filter": {"deviceId": ["{deviceId}"]}}, save={"streamUrl": "data/url"}),
    Step("connectStream", stream="{streamUrl}"),
    Step("createStreamingConnection", body={"filter": {}}, save={"typedStreamUrl": "data/url"}),
    Step("connectTypedStream", stream="{typedStreamUrl}", path={"type": "live"}),
    Step("createDeviceCertificate", path=DEVICE, body={"cert": "{certificate}"}, save={"certId": "data/id"}),
    Step("listDeviceCertificates", path=DEVICE),
    Step("getDeviceCertificate", path=CERT),
    Step("updateDeviceCertificate", path=CERT, body={"status": "inactive"}),
    Step("deleteDeviceCertificate", path=CERT),
    # -- firmware
    Step("createFirmware", body={"name": "{prefix}fw", "version": "1.0.0"}, save={"firmwareId": "data/id"}),
    Step(
        "uploadFirmwareBlob", path={"id": "{firmwareId}"}, body=b"firmware bytes", media_type="application/octet-stream"
    ),
    Step("downloadFirmwareBlob", path={"id": "{firmwareId}"}),
    Step(
        "createSlotFirmwareAssociation",
        path=SLOT,
        body={"firmwareId": "{firmwareId}"},
        save={"associationId": "data/id"},
    ),
    Step("listSlotFirmwares", path=SLOT),
    Step(
        "createFirmwareInstallation",
        path=DEVICE,
        body={"firmwareId": "{firmwareId}", "slot": "firmware"},
        save={"installationId": "data/id"},
    ),
    Step("listFirmwareInstallations", path=DEVICE),
    Step("getFirmwareInstallation", path={**DEVICE, "installationId": "{installationId}"}),
    Step(
        "updateFirmwareInstallation",
        path={**DEVICE, "installationId": "{installationId}"},
        body={"startedAt": "2026-01-01T00:00:05Z"},
    ),
    Step("deleteSlotFirmwareAssociation", path={**SLOT, "associationId": "{associationId}"}),
    # -- timeseries and dumps
    Step(
        "createTimeseries",
        body={"name": "{prefix}series", "dataType": {"type": "number"}},
        save={"timeseriesId": "data/id"},
    ),
    Step("createTimeseriesDataPoints", path=SERIES, body={"data": [{"time": "2026-01-01T06:00:00Z", "value": 1.5}]}),
    Step("getTimeseriesLastDataPoints", path=SERIES),
    Step("getTimeseriesAggregatedDataPoints", path=SERIES, query={**RANGE, "aggregation": "mean"}),
    Step(
        "createTimeseriesDump",
        body={"dataFilter": RANGE, "timeseriesFilter": {"timeseriesIds": ["{timeseriesId}"]}},
        save={"requestId": "data/id"},
    ),
    Step(
        "createTimeseriesAggregatedDump",
        body={
            "dataFilter": RANGE,
            "timeseriesFilter": {"timeseriesIds": ["{timeseriesId}"]},
            "params": {"aggregation": "mean"},
        },
        save={"aggregatedRequestId": "data/id"},
    ),
    Step("createDeviceTimeseriesDump", path=DEVICE, body={"path": "temperature", **RANGE}, save={"dumpId": "data/id"}),
    Step(
        "createDevicesTimeseriesDump",
        body={"dataFilter": RANGE, "deviceFilter": {"deviceId": ["{deviceId}"]}},
        save={"devicesDumpId": "data/id"},
    ),
    Step(
        "createDevicesAggregatedTimeseriesDump",
        body={"dataFilter": RANGE, "params": {"aggregation": "mean"}, "deviceFilter": {"deviceId": ["{deviceId}"]}},
        save={"aggregatedDumpId": "data/id"},
    ),
    sim("/_sim/clock/advance", {"seconds": 600}),
    Step("getTimeseriesRequest", path={"requestId": "{requestId}"}, save={"fileId": "data/fileId"}),
    Step("getTimeseriesFile", path={"fileId": "{fileId}"}),
    Step("getTimeseriesRequest", path={"requestId": "{aggregatedRequestId}"}),
    Step("getDeviceTimeseriesDump", path={**DEVICE, "dumpId": "{dumpId}"}),
    Step("getDevicesTimeseriesDump", path={"dumpId": "{devicesDumpId}"}),
    Step("getDevicesAggregatedTimeseriesDump", path={"dumpId": "{aggregatedDumpId}"}),
    Step("deleteTimeseriesDataPoints", path=SERIES, query=RANGE),
    Step("deleteDeviceTimeseries", path=DEVICE, query={"path": "temperature"}),
    # -- teardown of what only these steps can remove
    Step("deleteCustomPermission", path={**APP, "permissionId": "{permissionId}"}),
    Step("uninstallApplication", path=APP),
    Step("removeAllowedTenant", path={**APP, "tenantId": "{tenantId}"}),
)
