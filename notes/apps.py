from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"

    def ready(self) -> None:
        from clinic.selectors import ipv as clinic_ipv
        from plans import session_calendar

        from .selectors.calendar import attended_session_days
        from .selectors.ipv import partner_violence_concerns

        session_calendar.register(attended_session_days)
        clinic_ipv.register_note_concerns(partner_violence_concerns)
