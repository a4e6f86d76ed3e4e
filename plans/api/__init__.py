"""/api/v1/ of the plans app: one module per area (plans with the library, measures, progress with the CBT
work between sessions), each with its serializers beside it in `<area>_serializers.py`; urls.AREAS lists them."""
