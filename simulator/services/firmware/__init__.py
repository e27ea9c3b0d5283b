"""firmware area."""
