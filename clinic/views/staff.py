# TEMPORARY scaffolding, replaced by the helper that owns this module
from django.http import Http404


def user_list(request, *args, **kwargs):
    raise Http404


def user_invite(request, *args, **kwargs):
    raise Http404


def user_edit(request, *args, **kwargs):
    raise Http404


def user_deactivate(request, *args, **kwargs):
    raise Http404


def practice_settings(request, *args, **kwargs):
    raise Http404

