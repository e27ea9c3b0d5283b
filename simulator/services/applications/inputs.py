"""What the applications backend takes: typed inputs, built from the API's bodies in one place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulator.core.patch import UNSET, Unset
from simulator.services.applications.models import PermissionSet


@dataclass(frozen=True)
class NewApplication:
    """POST /application-developer/applications."""

    name: str
    permissions: PermissionSet = field(default_factory=PermissionSet)
    teaser_description: str | None = None
    url: str | None = None
    redirect_uris: Sequence[str] = ()
    with_public_oauth2_client: bool = False
    #: tenant id -> comment: the tenants allowed to install it from the start
    allowed_tenants: Mapping[str, str | None] = field(default_factory=dict)

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> NewApplication:
        return cls(
            name=body["name"],
            permissions=PermissionSet.from_api(body.get("permissions")),
            teaser_description=body.get("teaserDescription"),
            url=body.get("url"),
            redirect_uris=body.get("redirectUris") or (),
            with_public_oauth2_client=bool(body.get("withPublicOauth2Client")),
            allowed_tenants={e["tenantId"]: e.get("comment") for e in body.get("allowedTenants") or []},
        )


@dataclass(frozen=True)
class ApplicationChanges:
    """PATCH /application-developer/applications/{id}: only the fields given change.

    `with_public_oauth2_client` True adds the public client, False removes it, None/UNSET keeps it.
    """

    name: str | Unset = UNSET
    permissions: PermissionSet | Unset = UNSET
    teaser_description: str | Unset | None = UNSET
    url: str | Unset | None = UNSET
    status: str | Unset = UNSET
    redirect_uris: Sequence[str] | Unset = UNSET
    with_public_oauth2_client: bool | Unset | None = UNSET

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> ApplicationChanges:
        names = {
            "name": "name",
            "teaserDescription": "teaser_description",
            "url": "url",
            "status": "status",
            "redirectUris": "redirect_uris",
            "withPublicOauth2Client": "with_public_oauth2_client",
        }
        given: dict[str, Any] = {attribute: body[key] for key, attribute in names.items() if key in body}
        if "permissions" in body:
            given["permissions"] = PermissionSet.from_api(body["permissions"])
        return cls(**given)


@dataclass(frozen=True, kw_only=True)  # four strings: keywords keep alias, name and category apart
class NewCustomPermission:
    """POST .../custom-permissions: `alias` and `name` never change afterwards."""

    alias: str
    name: str
    category: str
    description: str | None = None

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> NewCustomPermission:
        description = body.get("description")
        return cls(alias=body["alias"], name=body["name"], category=body["category"], description=description)


@dataclass(frozen=True)
class CustomPermissionChanges:
    """PATCH .../custom-permissions/{id}: only `category` and `description` change."""

    category: str | Unset = UNSET
    description: str | Unset | None = UNSET

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> CustomPermissionChanges:
        return cls(body.get("category", UNSET), body.get("description", UNSET))
