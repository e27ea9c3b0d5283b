"""devices area."""
