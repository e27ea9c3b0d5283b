"""dumps area."""
