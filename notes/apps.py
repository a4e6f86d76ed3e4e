from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"

    def ready(self) -> None:
        from plans import session_calendar

        from .selectors.calendar import attended_session_days

        session_calendar.register(attended_session_days)
