"""Fault tests reuse the MQTT suite's platform and device clients."""

from tests.mqtt.conftest import devices, platform  # noqa: F401  (fixtures)
from tests.services.streaming.conftest import server_tenant  # noqa: F401  (fixture)
