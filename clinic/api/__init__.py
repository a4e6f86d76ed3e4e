"""/api/v1/ of the practice core: one module per area (couples, clients, tokens), each with its serializers
beside it in `<area>_serializers.py`; urls.AREAS lists them for rapport.api_urls.

Nothing is imported here: DRF imports clinic.api.authentication (through this package) while it defines its
own views, before any viewset could be.
"""
