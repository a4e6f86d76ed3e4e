"""/api/v1/ of the notes app: one module per area (sessions, notes, supervision), each with its serializers
beside it in `<area>_serializers.py`; urls.AREAS lists them."""
