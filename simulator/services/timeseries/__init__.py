"""timeseries area."""
