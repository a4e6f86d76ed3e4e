"""Reads of the practice core, one module per area. Every query starts from a scoped queryset."""
