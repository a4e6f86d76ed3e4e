"""Permission matrix entries for sessions, the progress-note editor, signing, addenda and note search (notes app),
HTML and API.

Records are made by the URL builders below (each probe runs in its own test database): an attended joint
session two days ago with the therapist as its therapist, the therapist's draft of it, or the therapist's
signed note. Reading needs the couple visible (therapist, co-therapist, supervisor); writing needs it editable
(therapist, co-therapist: the supervisor gets 404, like every write page); a draft changes only by its author
(the co-therapist gets 403). Practice managers and administrators get 403 everywhere here.
"""

from django.urls import reverse

from tests.security.matrix_common import (
    CLINICIANS_ON_CASE,
    READERS,
    Probe,
    api_record,
    couple,
    html_record,
)


def _session(c):
    from tests.notes.note_factories import SessionFactory

    return SessionFactory(couple=c.couple, therapist=c.therapist)


def session(c):
    return _session(c).pk


def series(c):
    """A fortnightly series of two individual sessions with partner A, from next week (the therapist's)."""
    import datetime

    from django.utils import timezone

    from notes.services.series import series_create

    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=7)
    return series_create(couple=c.couple, by=c.therapist, starts_at=start, interval_weeks=2, count=2,
                         kind="individual_a").pk


def draft(c):
    from tests.notes.note_factories import NoteFactory

    return NoteFactory(session=_session(c)).pk


def signed(c):
    from tests.notes.note_factories import signed_note

    return signed_note(session=_session(c)).pk


# Writes to a draft: its author; the co-therapist can change the case but not someone else's draft.
AUTHOR_WRITES = {"co_therapist": 403}

ENTRIES: dict[str, list[Probe]] = {
    # --- sessions ---------------------------------------------------------------------------------------
    "notes:session-list": [Probe(lambda c: reverse("notes:session-list", args=[couple(c)]), html_record(READERS))],
    "notes:session-create": [
        Probe(lambda c: reverse("notes:session-create", args=[couple(c)]), html_record(CLINICIANS_ON_CASE)),
        # An empty form: a 400 for those who may record sessions, and nothing else may even try.
        Probe(lambda c: reverse("notes:session-create", args=[couple(c)]), html_record(CLINICIANS_ON_CASE, 400),
              method="post"),
    ],
    "notes:session-edit": [
        Probe(lambda c: reverse("notes:session-edit", args=[session(c)]), html_record(CLINICIANS_ON_CASE)),
        Probe(lambda c: reverse("notes:session-edit", args=[session(c)]), html_record(CLINICIANS_ON_CASE, 400),
              method="post"),
    ],
    # --- the editor: the first opening creates the draft; someone else's draft sends you to read it ---------
    "notes:note-edit": [
        Probe(lambda c: reverse("notes:note-edit", args=[session(c)]), html_record(CLINICIANS_ON_CASE)),
        Probe(lambda c: reverse("notes:note-edit", args=[_session_with_draft(c)]),
              html_record(("therapist",), co_therapist=302)),
    ],
    "notes:note-detail": [
        Probe(lambda c: reverse("notes:note-detail", args=[signed(c)]), html_record(READERS)),
        Probe(lambda c: reverse("notes:note-detail", args=[draft(c)]), html_record(READERS)),
    ],
    # Empty posts: the author gets a 400 (no version, no secret); the rest never reach the note.
    "notes:note-autosave": [Probe(lambda c: reverse("notes:note-autosave", args=[draft(c)]),
                                  html_record(("therapist",), 400, **AUTHOR_WRITES), method="post")],
    "notes:note-sign": [Probe(lambda c: reverse("notes:note-sign", args=[draft(c)]),
                              html_record(("therapist",), 400, **AUTHOR_WRITES), method="post")],
    "notes:addendum-create": [
        Probe(lambda c: reverse("notes:addendum-create", args=[signed(c)]), html_record(CLINICIANS_ON_CASE)),
        Probe(lambda c: reverse("notes:addendum-create", args=[signed(c)]), html_record(CLINICIANS_ON_CASE, 400),
              method="post"),
    ],
    "notes:note-search": [Probe(lambda c: reverse("notes:note-search", args=[couple(c)]), html_record(READERS, 400),
                                method="post")],
    # --- API ------------------------------------------------------------------------------------------------
    "couple-session-list": [
        Probe(lambda c: reverse("couple-session-list", args=[couple(c)]), api_record(READERS)),
        Probe(lambda c: reverse("couple-session-list", args=[couple(c)]), api_record(CLINICIANS_ON_CASE, 400),
              method="post"),
    ],
    "session-detail": [
        Probe(lambda c: reverse("session-detail", args=[session(c)]), api_record(READERS)),
        Probe(lambda c: reverse("session-detail", args=[session(c)]), api_record(CLINICIANS_ON_CASE, 400),
              method="patch"),
    ],
    # A series needs both partners' IPV screens for joint sessions: the empty POST is a 400 for those who may try.
    "couple-session-series-list": [
        Probe(lambda c: reverse("couple-session-series-list", args=[couple(c)]), api_record(CLINICIANS_ON_CASE, 400),
              method="post"),
    ],
    "session-series-detail": [Probe(lambda c: reverse("session-series-detail", args=[series(c)]),
                                    api_record(READERS))],
    "session-series-end": [Probe(lambda c: reverse("session-series-end", args=[series(c)]),
                                 api_record(CLINICIANS_ON_CASE), method="post")],
    "note-list": [
        # Everyone clinical gets a list (of the notes they may see); managers and admins 403.
        Probe(lambda c: reverse("note-list"), api_record(READERS, stranger=200, outsider=200)),
        Probe(lambda c: reverse("note-list"), api_record(READERS, 400, stranger=400, outsider=400), method="post"),
    ],
    "note-detail": [
        Probe(lambda c: reverse("note-detail", args=[signed(c)]), api_record(READERS)),
        Probe(lambda c: reverse("note-detail", args=[draft(c)]), api_record(("therapist",), 400, **AUTHOR_WRITES),
              method="patch"),
    ],
    "note-sign": [Probe(lambda c: reverse("note-sign", args=[draft(c)]),
                        api_record(("therapist",), 400, **AUTHOR_WRITES), method="post")],
    "note-addenda": [
        Probe(lambda c: reverse("note-addenda", args=[signed(c)]), api_record(READERS)),
        Probe(lambda c: reverse("note-addenda", args=[signed(c)]), api_record(CLINICIANS_ON_CASE, 400),
              method="post"),
    ],
}


def _session_with_draft(c):
    from tests.notes.note_factories import NoteFactory

    return NoteFactory(session=_session(c)).session_id
