"""Reads of the plans app, one module per area. Every query starts from a scoped queryset."""
