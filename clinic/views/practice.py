# TEMPORARY scaffolding, replaced by the helper that owns this module
from django.http import Http404


def practice_home(request, *args, **kwargs):
    raise Http404

