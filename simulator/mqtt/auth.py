"""Who a session is (client certificate or plain-port password) and what it may reach (facts F.2, F.3).

Certificates: any client certificate passes TLS (tls.py, pyOpenSSL's verify callback); the
session's device is the one whose registered certificate has the same SHA-256 fingerprint and
status `valid`. Plain listener (simulator only): username = device id, password =
`sim.devices.mqtt_password(device id)`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from simulator.mqtt.topics import filter_device

if TYPE_CHECKING:
    from simulator.runtime import Simulator


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    tenant_id: str
    device_id: str
    fingerprint: str | None  # None: authenticated by password on the plain listener


def fingerprint(der: bytes) -> str:
    """Lower-case hex SHA-256 of a certificate's DER encoding, no colons (as registered certificates)."""
    return hashlib.sha256(der).hexdigest()


class PeerCertificateSource(Protocol):
    """`ssl.SSLObject` or tls.PeerCertificate: whatever can hand out the client's DER certificate."""

    def getpeercert(self, binary_form: bool = ...) -> object: ...


def by_certificate(sim: Simulator, ssl_object: PeerCertificateSource) -> DeviceIdentity | None:
    der = ssl_object.getpeercert(binary_form=True)
    if not isinstance(der, bytes) or not der:
        return None
    found = sim.certificates.find_valid(fingerprint(der))
    if found is None:
        return None
    return DeviceIdentity(found.tenant_id, found.device_id, found.fingerprint)


def tenant_of_device(sim: Simulator, device_id: str) -> str | None:
    """The tenant holding `device_id` (device ids are unique across tenants)."""
    tenants = sim.devices.store.devices
    return next((tenant_id for tenant_id, devices in tenants.items() if device_id in devices), None)


def by_password(sim: Simulator, username: str | None, password: str | None) -> DeviceIdentity | None:
    if not username or password is None:
        return None
    tenant_id = tenant_of_device(sim, username)
    if tenant_id is None:
        return None
    if not hmac.compare_digest(sim.devices.mqtt_password(username).encode(), password.encode()):
        return None
    return DeviceIdentity(tenant_id, username, None)


def still_valid(sim: Simulator, identity: DeviceIdentity) -> bool:
    """Whether the identity would still be granted now (after a reset, a restore, a revocation)."""
    if identity.fingerprint is None:
        return sim.devices.find_device(identity.tenant_id, identity.device_id) is not None
    found = sim.certificates.find_valid(identity.fingerprint)
    return found is not None and found.device_id == identity.device_id and found.tenant_id == identity.tenant_id


def may_reach(sim: Simulator, identity: DeviceIdentity, device_id: str) -> bool:
    """A session reaches its own device and the devices it connects (`connectedBy` = its device)."""
    if device_id == identity.device_id:
        return True
    device = sim.devices.find_device(identity.tenant_id, device_id)
    return device is not None and device.connected_by == identity.device_id


def may_subscribe(sim: Simulator, identity: DeviceIdentity, topic_filter: str) -> bool:
    device_id = filter_device(topic_filter)
    return device_id is not None and may_reach(sim, identity, device_id)


def plain_credentials(sim: Simulator, device_id: str | None = None) -> list[dict[str, str]]:
    """Username/password pairs for the plain listener (all devices, or one), for `/_sim/mqtt`."""
    tenants = sim.devices.store.devices
    return [
        {"tenantId": tenant_id, "deviceId": known, "username": known, "password": sim.devices.mqtt_password(known)}
        for tenant_id, devices in tenants.items()
        for known in devices
        if device_id is None or known == device_id
    ]
