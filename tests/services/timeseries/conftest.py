"""Series are filled through the ingest pipeline: its `world` fixture serves both."""

from tests.services.ingest.conftest import world  # noqa: F401  (fixture)
