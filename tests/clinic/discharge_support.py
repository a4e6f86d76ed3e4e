"""What a clinician records when discharging a couple, for tests that discharge one (clinic.services.discharge)."""

DISCHARGE = {
    "discharge_reason": "mutual", "discharge_reason_detail": "",
    "status_at_discharge": "STATUSTEXT fewer arguments, trust largely rebuilt",
    "aftercare": "AFTERCARETEXT review session offered in three months",
    "recommendations": "RECOMMENDTEXT keep the weekly check-in",
}
