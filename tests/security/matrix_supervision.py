"""Permission matrix entries for supervision, psychotherapy notes and the therapist's home page (notes app).

Notes are made by the URL builders below (each probe runs in its own test database). The cast's therapist is
supervised by the cast's supervisor, so the therapist's signed note awaits the supervisor's co-signature.
"""

from django.urls import reverse

from tests.security.matrix_common import (
    ALL_CLINICIANS,
    CLINICIANS_ON_CASE,
    LOGIN,
    READERS,
    Probe,
    api_record,
    couple,
    html_record,
    html_role_page,
    roles,
)


def _session(c):
    from tests.notes.note_factories import SessionFactory

    return SessionFactory(couple=c.couple, therapist=c.therapist)


def awaiting_note(c):
    """The therapist's signed note, awaiting the supervisor's co-signature."""
    from tests.notes.note_factories import signed_note

    return signed_note(session=_session(c)).pk


def returned_note(c):
    """The therapist's note, returned by the supervisor, not yet answered with an addendum."""
    from notes.services.supervision import note_return
    from tests.notes.note_factories import signed_note

    note = signed_note(session=_session(c))
    return note_return(note=note, by=c.supervisor, comment="Add the homework agreed.").pk


def private_note(c):
    """The therapist's psychotherapy note about the couple."""
    from notes.services.psychotherapy import private_note_create

    return private_note_create(couple=c.couple, by=c.therapist, text="Private reflection.").pk


# Only the author, whatever anyone else's role: 404 for all of them (managers and admins included).
AUTHOR_ONLY = roles(404, anonymous=LOGIN, therapist=200)

ENTRIES: dict[str, list[Probe]] = {
    # --- the therapist's home page -----------------------------------------------------------------
    "notes:therapist-home": [Probe(lambda c: reverse("notes:therapist-home"), html_role_page(ALL_CLINICIANS))],
    # --- supervision ----------------------------------------------------------------------------------
    "notes:review-queue": [Probe(lambda c: reverse("notes:review-queue"), html_role_page(("supervisor",)))],
    # No secret / no comment: a 400 for the supervisor; the author and co-therapist can see the case: 403.
    "notes:note-cosign": [Probe(lambda c: reverse("notes:note-cosign", args=[awaiting_note(c)]),
                                html_record(("supervisor",), status=400, therapist=403, co_therapist=403),
                                method="post")],
    "notes:note-return": [Probe(lambda c: reverse("notes:note-return", args=[awaiting_note(c)]),
                                html_record(("supervisor",), status=400, therapist=403, co_therapist=403),
                                method="post")],
    # Not answered by an addendum yet: a 409 for the author; others who can see the case: 403.
    "notes:note-resubmit": [Probe(lambda c: reverse("notes:note-resubmit", args=[returned_note(c)]),
                                  html_record(("therapist",), status=409, co_therapist=403, supervisor=403),
                                  method="post")],
    # --- psychotherapy notes ------------------------------------------------------------------------------
    "notes:private-note-list": [Probe(lambda c: reverse("notes:private-note-list", args=[couple(c)]),
                                      html_record(READERS))],
    "notes:private-note-create": [
        Probe(lambda c: reverse("notes:private-note-create", args=[couple(c)]), html_record(CLINICIANS_ON_CASE)),
        # An empty note: a 400 for those who may write; nothing else may even try.
        Probe(lambda c: reverse("notes:private-note-create", args=[couple(c)]),
              html_record(CLINICIANS_ON_CASE, status=400), method="post"),
    ],
    "notes:private-note-detail": [
        Probe(lambda c: reverse("notes:private-note-detail", args=[private_note(c)]), AUTHOR_ONLY),
        Probe(lambda c: reverse("notes:private-note-detail", args=[private_note(c)]),
              roles(404, anonymous=LOGIN, therapist=400), method="post"),
    ],
    # --- API -----------------------------------------------------------------------------------------------
    "supervision-queue-list": [Probe(lambda c: reverse("supervision-queue-list"),
                                     roles(403, supervisor=200, anonymous=401))],
    "supervision-note-cosign": [Probe(lambda c: reverse("supervision-note-cosign", args=[awaiting_note(c)]),
                                      api_record(("supervisor",), status=400, therapist=403, co_therapist=403),
                                      method="post")],
    "supervision-note-return": [Probe(lambda c: reverse("supervision-note-return", args=[awaiting_note(c)]),
                                      api_record(("supervisor",), status=400, therapist=403, co_therapist=403),
                                      method="post")],
    "supervision-note-resubmit": [Probe(lambda c: reverse("supervision-note-resubmit", args=[returned_note(c)]),
                                        api_record(("therapist",), status=400, co_therapist=403, supervisor=403),
                                        method="post")],
}
