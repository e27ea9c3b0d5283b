"""certificates area."""
