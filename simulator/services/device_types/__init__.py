"""device_types area."""
