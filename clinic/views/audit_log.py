# TEMPORARY scaffolding, replaced by the helper that owns this module
from django.http import Http404


def audit_log(request, *args, **kwargs):
    raise Http404


def audit_export(request, *args, **kwargs):
    raise Http404

