from django.urls import path

from .views import calendar, detail, editor, home, psychotherapy, search, service_codes, sessions, supervision

app_name = "notes"

urlpatterns = [
    path("today/", home.therapist_home, name="therapist-home"),
    # Sessions
    path("couples/<uuid:couple_pk>/sessions/", sessions.session_list, name="session-list"),
    path("couples/<uuid:couple_pk>/sessions/new/", sessions.session_create, name="session-create"),
    path("sessions/<uuid:pk>/edit/", sessions.session_edit, name="session-edit"),
    path("sessions/<uuid:pk>/cancel/", sessions.session_cancel, name="session-cancel"),
    path("sessions/<uuid:pk>/series/end/", sessions.series_end, name="series-end"),
    # The clinician's calendar and private iCalendar feed
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/feed/", calendar.feed_settings, name="calendar-feed-settings"),
    path("calendar/feed.ics", calendar.feed, name="calendar-feed"),
    # Progress notes: editor with autosave, sign, addenda
    path("sessions/<uuid:session_pk>/note/", editor.note_edit, name="note-edit"),
    path("notes/<uuid:pk>/", detail.note_detail, name="note-detail"),
    path("notes/<uuid:pk>/autosave/", editor.note_autosave, name="note-autosave"),
    path("notes/<uuid:pk>/sign/", editor.note_sign, name="note-sign"),
    path("notes/<uuid:pk>/addenda/new/", detail.addendum_create, name="addendum-create"),
    path("couples/<uuid:couple_pk>/notes/search/", search.note_search, name="note-search"),
    # Supervision
    path("supervision/", supervision.review_queue, name="review-queue"),
    path("notes/<uuid:pk>/cosign/", supervision.note_cosign, name="note-cosign"),
    path("notes/<uuid:pk>/return/", supervision.note_return, name="note-return"),
    path("notes/<uuid:pk>/resubmit/", supervision.note_resubmit, name="note-resubmit"),
    # Psychotherapy notes: their author alone
    path("couples/<uuid:couple_pk>/private-notes/", psychotherapy.private_note_list, name="private-note-list"),
    path("couples/<uuid:couple_pk>/private-notes/new/", psychotherapy.private_note_create, name="private-note-create"),
    path("private-notes/<uuid:pk>/", psychotherapy.private_note_detail, name="private-note-detail"),
    # The practice's service-code table: its administrator
    path("manage/service-codes/", service_codes.service_code_list, name="service-codes"),
    path("manage/service-codes/add/", service_codes.service_code_add, name="service-code-add"),
    path("manage/service-codes/adopt/", service_codes.service_code_adopt, name="service-code-adopt"),
    path("manage/service-codes/<uuid:pk>/", service_codes.service_code_edit, name="service-code-edit"),
    path("manage/service-codes/<uuid:pk>/remove/", service_codes.service_code_remove, name="service-code-remove"),
]
