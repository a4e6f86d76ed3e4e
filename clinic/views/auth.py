# TEMPORARY scaffolding, replaced by the helper that owns this module
from django.http import Http404


def login_view(request, *args, **kwargs):
    raise Http404


def logout_view(request, *args, **kwargs):
    raise Http404


def two_factor_verify(request, *args, **kwargs):
    raise Http404


def two_factor_setup(request, *args, **kwargs):
    raise Http404


def backup_codes(request, *args, **kwargs):
    raise Http404


def two_factor_skip_demo(request, *args, **kwargs):
    raise Http404


def accept_invite(request, *args, **kwargs):
    raise Http404

