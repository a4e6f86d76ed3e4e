"""Report builders: selectors -> plain frozen dataclasses (no ORM objects or querysets reach a template).

progress.build_progress_report   the couple progress report (and the parts the summary shares)
discharge.build_discharge_summary the treatment / discharge summary
"""
