"""Operations of the contract that answer 501 because their area is not simulated yet.

This list only shrinks: a test checks that every listed operation answers 501 and that no
other operation does.
"""

NOT_SIMULATED: frozenset[str] = frozenset(
    {
        # identity realm
        "getRealmInfo", "authorize", "createToken", "getUserInfo",
        # notifications
        "listNotifications", "createNotification", "getNotification", "replaceNotification",
        "updateNotification", "deleteNotification", "listNotificationHistory",
        # tenants, users, user management, roles and permissions
        "createTenant", "getTenant", "updateTenant", "listTenantRoles",
        "getUser", "listUserTenants", "getUserTenant", "listUserPermissions", "listUserInvites",
        "updateUserInvite", "createTenantInvite", "listTenantInvites", "deleteTenantInvite",
        "listTenantUsers", "removeTenantUser", "listRoleUsers", "listTenantUserRoles",
        "replaceTenantUserRoles", "listPermissions", "createRole", "listRoles", "getRole",
        "deleteRole", "updateRole",
        # applications
        "createCustomPermission", "listCustomPermissions", "getCustomPermission",
        "updateCustomPermission", "deleteCustomPermission", "createApplication", "listApplications",
        "getApplication", "deleteApplication", "updateApplication", "listAllowedTenants",
        "addAllowedTenant", "removeAllowedTenant", "regenerateApplicationSecret",
        "listTenantApplications", "getTenantApplication", "installApplication",
        "getApplicationInstallation", "updateApplicationInstallation", "uninstallApplication",
        "listApplicationPermissions", "listInstalledTenants", "getOwnInstallation",
        # devices, device types, certificates, events, diagnostics
        "createDevice", "listDevices", "getDevice", "updateDevice", "deleteDevice",
        "updateDeviceOnlineMonitoring", "getDeviceOnlineMonitoring", "createDeviceAction",
        "createBulkDeviceActions", "getDeviceState", "listDeviceStates", "listDeviceLastEvents",
        "createDeviceCertificate", "listDeviceCertificates", "getDeviceCertificate",
        "updateDeviceCertificate", "deleteDeviceCertificate", "listDeviceLastDiagnostics",
        "createDeviceType", "listDeviceTypes", "listDeviceTypeCategories", "getDeviceType",
        "updateDeviceType", "deleteDeviceType", "updateDeviceTypeOnlineMonitoring",
        "getDeviceTypeOnlineMonitoring",
        # firmware
        "createFirmwareInstallation", "listFirmwareInstallations", "getFirmwareInstallation",
        "updateFirmwareInstallation", "createSlotFirmwareAssociation", "listSlotFirmwares",
        "deleteSlotFirmwareAssociation", "createFirmware", "listFirmwares", "getFirmware",
        "deleteFirmware", "uploadFirmwareBlob", "downloadFirmwareBlob",
        # device timeseries, dumps, ingest
        "getDeviceAggregatedTimeseries", "getDeviceLastTimeseries", "deleteDeviceTimeseries",
        "createDeviceTimeseriesDump", "getDeviceTimeseriesDump", "createDevicesTimeseriesDump",
        "getDevicesTimeseriesDump", "createDevicesAggregatedTimeseriesDump",
        "getDevicesAggregatedTimeseriesDump", "ingestEvent", "ingestData",
        # streaming
        "createStreamingConnection", "connectStream", "connectTypedStream",
        # standalone timeseries
        "createTimeseries", "listTimeseries", "getTimeseries", "updateTimeseries", "deleteTimeseries",
        "createTimeseriesDataPoints", "deleteTimeseriesDataPoints", "getTimeseriesLastDataPoints",
        "getTimeseriesAggregatedDataPoints", "createTimeseriesAggregatedDump", "createTimeseriesDump",
        "getTimeseriesRequest", "getTimeseriesFile",
        # audit
        "listAuditLogs",
    }
)
