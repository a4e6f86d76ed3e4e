from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"

    def ready(self) -> None:
        from clinic.selectors import ipv as clinic_ipv
        from clinic.selectors import offboarding as clinic_offboarding
        from clinic.selectors import overview as clinic_overview
        from plans import session_calendar

        from .selectors.calendar import attended_session_counts, attended_session_days
        from .selectors.ipv import partner_violence_concerns
        from .selectors.offboarding import unsigned_work_of
        from .selectors.overview import couple_overview

        session_calendar.register(attended_session_days, attended_session_counts)
        clinic_ipv.register_note_concerns(partner_violence_concerns)
        clinic_offboarding.register_open_work(unsigned_work_of)  # the deactivation page lists them
        clinic_overview.register(couple_overview)  # the couple overview's clinical panels
