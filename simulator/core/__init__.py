"""Framework-free building blocks: clock, seeded ids, event bus, errors, paging, filters."""
