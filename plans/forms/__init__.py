"""Forms of the plans app, one module per area."""
