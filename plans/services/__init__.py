"""Writes of the plans app, one module per area (plans, library, measures, progress, cbt)."""
