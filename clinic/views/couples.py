# TEMPORARY scaffolding, replaced by the helper that owns this module
from django.http import Http404


def home(request, *args, **kwargs):
    raise Http404


def couple_list(request, *args, **kwargs):
    raise Http404


def couple_create(request, *args, **kwargs):
    raise Http404


def couple_detail(request, *args, **kwargs):
    raise Http404


def couple_edit(request, *args, **kwargs):
    raise Http404


def partner_edit(request, *args, **kwargs):
    raise Http404


def care_team_add(request, *args, **kwargs):
    raise Http404


def care_team_end(request, *args, **kwargs):
    raise Http404


def client_edit(request, *args, **kwargs):
    raise Http404

