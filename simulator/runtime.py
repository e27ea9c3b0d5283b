"""The Simulator: one object owning the world's state, the clock, the seeded randomness and the bus.

Every surface (HTTP, MQTT, scenarios, fixtures, CLI) is a thin adapter over this object.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from simulator.core import undo
from simulator.core.clock import Clock
from simulator.core.events import EventBus
from simulator.core.ids import RandomSource
from simulator.core.snapshot import encode
from simulator.faults import FaultBook
from simulator.identity.keys import RealmKey, load_or_create_key
from simulator.identity.tokens import Grant, TokenService
from simulator.persistence.document import read_snapshot
from simulator.services.applications.backend import ApplicationsBackend
from simulator.services.audit.models import AuditBackend
from simulator.services.certificates.models import CertificatesBackend
from simulator.services.device_types.models import DeviceTypesBackend
from simulator.services.devices.models import DevicesBackend
from simulator.services.dumps.models import DumpsBackend
from simulator.services.events.models import EventsBackend
from simulator.services.firmware.models import FirmwareBackend
from simulator.services.ingest.models import IngestBackend
from simulator.services.notifications.models import NotificationsBackend
from simulator.services.roles.models import RolesBackend
from simulator.services.streaming.models import StreamingBackend
from simulator.services.tenants.models import TenantsBackend
from simulator.services.timeseries.models import TimeseriesBackend
from simulator.services.users.models import UsersBackend
from simulator.settings import Settings
from simulator.vary import Variation, variation_from_settings
from simulator.world import SeededWorld, World

if TYPE_CHECKING:
    from simulator.mqtt.broker import MqttService
    from simulator.mqtt.ca import LocalCA

DEMO_USERS = (
    ("owner@example.com", "Olivia", "Owner", "owner"),
    ("writer@example.com", "Walter", "Writer", "writer"),
    ("reader@example.com", "Rita", "Reader", "reader"),
)


class Simulator:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.base_url = self.settings.public_url or f"http://{self.settings.host}:{self.settings.port}"
        self.bus = EventBus()
        self.key = RealmKey(load_or_create_key(self.settings.state_dir))
        self.tokens = TokenService(self, self.key)
        self.request_journal: deque[Any] = deque(maxlen=self.settings.journal_size)
        self.request_seq = itertools.count(1)  # journal entry numbers: the cursor of `?after=` polls
        self.mqtt_journal: deque[dict[str, Any]] = deque(maxlen=self.settings.journal_size)
        self.persister: Any = None  # simulator.persistence.saver.Persister when serving with a state dir
        self.restore_hooks: list[Callable[[], None]] = []  # re-arm clock timers after restore()
        self.info: dict[str, Any] = {}  # ports and URLs filled in by the server
        self.scenario_status: Callable[[], dict[str, Any]] | None = None  # a running scenario's live counters
        self.identity_url: str | None = None  # domain/TLS mode: the realm is served as https://id.<domain>
        self.local_ca: LocalCA | None = None  # made on first use by simulator.mqtt.ca.ca_for (MQTTS, HTTPS)
        self.mqtt_service: MqttService | None = None  # set while a server runs the broker for this simulator
        self.tenants = TenantsBackend(self)
        self.users = UsersBackend(self)
        self.roles = RolesBackend(self)
        self.applications = ApplicationsBackend(self)
        self.device_types = DeviceTypesBackend(self)
        self.devices = DevicesBackend(self)
        self.certificates = CertificatesBackend(self)
        self.events = EventsBackend(self)
        self.timeseries = TimeseriesBackend(self)
        self.dumps = DumpsBackend(self)
        self.ingest = IngestBackend(self)
        self.firmware = FirmwareBackend(self)
        self.notifications = NotificationsBackend(self)
        self.audit = AuditBackend(self)
        self.streaming = StreamingBackend(self)
        self.faults = FaultBook(self)  # platform-side fault rules (simulator/faults/); cleared on reset
        self.vary: Variation | None = variation_from_settings(self.settings)  # None: off (one check per response)
        self.reset()

    @property
    def issuer(self) -> str:
        return f"{self.identity_url or self.base_url}/v1/id/auth/realms/olt"

    @property
    def world(self) -> SeededWorld:
        return self.state.world

    def reset(self) -> None:
        """Back to the seeded world: same seed, same ids."""
        mode, speed = self.settings.clock_mode
        self.clock = Clock(mode, speed)
        self.random = RandomSource(self.settings.seed)
        self.token_random = self.random.child("tokens")  # minting tokens must not shift resource ids
        self.state = World()
        self.restore_hooks.clear()  # scenarios running on the old world stop with it (runner.current)
        self.request_journal.clear()
        self.mqtt_journal.clear()
        self.faults.reset()
        if self.vary is not None:
            self.vary.restart()
        if self.settings.seed_world:
            self._seed_world()

    def _seed_world(self) -> None:
        world = self.state.world
        owner = None
        for email, first, last, _ in DEMO_USERS:
            user = self.users.create_user(email, first, last)
            world.users[email] = user.id
            owner = owner or user
        assert owner is not None
        tenant = self.tenants.create_tenant("Demo Tenant", owner.id)
        world.tenant_id, world.owner_user_id = tenant.id, owner.id
        for email, _, _, role in DEMO_USERS[1:]:
            found = self.roles.role_named(tenant.id, role)
            assert found is not None
            self.users.add_member(tenant.id, world.users[email], [found.id])
        script = self.applications.create_client("Demo script client", public=False, tenant_ids=[tenant.id])
        browser = self.applications.create_client("Demo browser app", public=True, tenant_ids=[tenant.id])
        world.script_client_id, world.script_client_secret = script.id, script.secret or ""
        world.browser_client_id = browser.id
        browser.redirect_uris = list(self.settings.redirect_uris)  # empty: any http(s) URL on localhost

    def token_for_user(self, email: str, tenant_id: str | None = None, client_id: str | None = None) -> str:
        """An access token for a seeded or created user (what /_sim/tokens and fixtures hand out)."""
        user = self.users.find_by_email(email)
        if user is None:
            raise KeyError(email)
        grant = Grant(
            subject=user.id,
            client_id=client_id or self.world.browser_client_id,
            tenant_id=tenant_id or self.world.tenant_id,
            user_id=user.id,
        )
        return str(self.tokens.mint(grant, with_refresh=False)["access_token"])

    def token_for_client(self, client_id: str, tenant_id: str | None = None) -> str:
        client = self.applications.get_client(client_id)
        if client is None:
            raise KeyError(client_id)
        grant = Grant(
            subject=client.service_account_id, client_id=client.id, tenant_id=tenant_id, scope="olt-applications"
        )
        return str(self.tokens.mint(grant, with_refresh=False)["access_token"])

    def snapshot(self) -> dict[str, Any]:
        """The whole world as a JSON-able dict (restore() takes it back)."""
        return {
            "version": 1,
            "clock": self.clock.time(),
            "random": encode(self.random.rng.getstate()),
            "state": encode(self.state),
        }

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Replace the world by a snapshot's, all or nothing: the whole document is checked first
        (SnapshotRefused, a ValueError naming the JSON path); then the clock goes to the snapshot's
        time (backwards too) and every `restore_hooks` callback re-arms what runs on the clock."""
        checked = read_snapshot(snapshot)
        self.clock.clear_timers()
        self.clock.reset_to(checked.clock)
        self.random.rng.setstate(checked.random_state)
        self.state = checked.world
        for hook in list(self.restore_hooks):
            hook()

    def transaction(self) -> AbstractContextManager[undo.Transaction]:
        """Changes made in the block stand together or not at all (core/undo.py): any exception,
        or `txn.fail()`, puts the world and the random source back; side effects wait for commit."""
        return undo.transaction(self.bus.commit)

    def with_settings(self, **changes: Any) -> Simulator:
        return Simulator(replace(self.settings, **changes))
