"""The applications backend (`sim.applications`): both sides of the area behind one object.

The records live in models.py; the rules in developer.py (the developer tenant's side) and
installations.py (the installing tenant's side and application-info), which share base.py.
"""

from __future__ import annotations

from simulator.services.applications.developer import DeveloperOperations
from simulator.services.applications.installations import InstallationOperations


class ApplicationsBackend(DeveloperOperations, InstallationOperations):
    """One backend over the developer's and the installing tenant's operations."""
