"""Reports as files: a builder's data rendered to PDF (reports.pdf) or CSV, checked against who asks.

couple.progress_report_pdf / couple.discharge_summary_pdf   one couple's PDF reports, and their file names
practice.practice_report_pdf / practice.practice_report_csv the monthly practice report

Nothing here writes: whoever hands the bytes to a person records `report.download` (the views), or stores them
(reports.services.generation).
"""
