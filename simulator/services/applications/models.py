"""Applications: OAuth2 clients, registered applications, their installations and custom permissions.

The state lives in records.py; the rules in developer.py (the developer tenant's side) and
installations.py (the installing tenant's side and application-info), combined here.
"""

from __future__ import annotations

from simulator.services.applications.developer import DeveloperOperations
from simulator.services.applications.installations import InstallationOperations
from simulator.services.applications.records import (
    AllowedTenant,
    Application,
    ApplicationsStore,
    CustomPermission,
    Installation,
    OAuthClient,
    PermissionSet,
)

__all__ = [
    "AllowedTenant",
    "Application",
    "ApplicationsBackend",
    "ApplicationsStore",
    "CustomPermission",
    "Installation",
    "OAuthClient",
    "PermissionSet",
]


class ApplicationsBackend(DeveloperOperations, InstallationOperations):
    """One backend (`sim.applications`) over both sides of the applications area."""
