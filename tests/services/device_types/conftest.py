"""Device types are tested through devices: the device fixtures serve both."""

from tests.services.devices.conftest import api, make_device, make_type, new_cert  # noqa: F401  (fixtures)
