"""The whole simulated world as one object: replaced on reset, encoded for snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.core import undo
from simulator.identity.store import IdentityStore
from simulator.services.applications.models import ApplicationsStore
from simulator.services.audit.models import AuditStore
from simulator.services.certificates.models import CertificatesStore
from simulator.services.device_types.models import DeviceTypesStore
from simulator.services.devices.models import DevicesStore
from simulator.services.dumps.models import DumpsStore
from simulator.services.events.models import EventsStore
from simulator.services.firmware.models import FirmwareStore
from simulator.services.notifications.models import NotificationsStore
from simulator.services.roles.models import RolesStore
from simulator.services.streaming.models import StreamingStore
from simulator.services.tenants.models import TenantsStore
from simulator.services.timeseries.models import TimeseriesStore
from simulator.services.users.models import UsersStore


@dataclass
class SeededWorld:
    """Ids of the default world, for the CLI, fixtures and the README."""

    tenant_id: str = ""
    owner_user_id: str = ""
    users: dict[str, str] = field(default_factory=dict)  # email -> user id
    script_client_id: str = ""
    script_client_secret: str = ""
    browser_client_id: str = ""


@dataclass
class World:
    world: SeededWorld = field(default_factory=SeededWorld)
    tenants: TenantsStore = field(default_factory=TenantsStore)
    users: UsersStore = field(default_factory=UsersStore)
    roles: RolesStore = field(default_factory=RolesStore)
    applications: ApplicationsStore = field(default_factory=ApplicationsStore)
    device_types: DeviceTypesStore = field(default_factory=DeviceTypesStore)
    devices: DevicesStore = field(default_factory=DevicesStore)
    certificates: CertificatesStore = field(default_factory=CertificatesStore)
    events: EventsStore = field(default_factory=EventsStore)
    timeseries: TimeseriesStore = field(default_factory=TimeseriesStore)
    dumps: DumpsStore = field(default_factory=DumpsStore)
    firmware: FirmwareStore = field(default_factory=FirmwareStore)
    notifications: NotificationsStore = field(default_factory=NotificationsStore)
    audit: AuditStore = field(default_factory=AuditStore)
    streaming: StreamingStore = field(default_factory=StreamingStore)
    identity: IdentityStore = field(default_factory=IdentityStore)


undo.register_state_classes(World)  # what a transaction keeps before-images of (core/undo.py)
