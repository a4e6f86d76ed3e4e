from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from keys.signals import decryption_failed, key_event

        from .receivers import on_decryption_failed, on_key_event

        decryption_failed.connect(on_decryption_failed, dispatch_uid="audit.decryption_failed")
        key_event.connect(on_key_event, dispatch_uid="audit.key_event")
