"""Report builders: selectors -> plain frozen dataclasses (no ORM objects or querysets reach a template).

progress.build_progress_report   the couple progress report
discharge.build_discharge_summary the treatment / discharge summary
sections.build_*                  the parts both couple reports show (case, plan, measures, attendance)
practice.build_practice_report    the monthly practice report
"""
