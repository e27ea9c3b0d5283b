"""streaming area."""
