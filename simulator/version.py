"""The package version, in one place (pyproject.toml reads it; `olt-sim --version` and /_sim/health show it)."""

__version__ = "0.1.0"
