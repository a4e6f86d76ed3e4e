from django.urls import path

from .views import batches, couple_reports, practice_reports, single

app_name = "reports"

urlpatterns = [
    # One couple: choose the period and options, then ask for the PDF (two clicks from the couple page); POST
    path("couples/<uuid:couple_pk>/reports/", couple_reports.report_options, name="couple-reports"),
    path("couples/<uuid:couple_pk>/reports/progress.pdf", couple_reports.progress_pdf, name="progress-pdf"),
    path("couples/<uuid:couple_pk>/reports/discharge.pdf", couple_reports.discharge_pdf, name="discharge-pdf"),
    # Practice reports (practice managers): page, PDF, CSV
    path("practice/reports/", practice_reports.practice_report, name="practice-report"),
    path("practice/reports/report.pdf", practice_reports.practice_report_pdf, name="practice-report-pdf"),
    path("practice/reports/report.csv", practice_reports.practice_report_csv, name="practice-report-csv"),
    # The session export for billing: choose a period, download one CSV row per session
    path("practice/reports/sessions/", practice_reports.session_export, name="session-export"),
    path("practice/reports/sessions.csv", practice_reports.session_export_csv, name="session-export-csv"),
    # Background batches with progress, and downloads of generated files
    path("reports/batches/", batches.batch_list, name="batch-list"),
    path("reports/batches/<uuid:pk>/", batches.batch_detail, name="batch-detail"),
    path("reports/batches/<uuid:pk>/progress/", batches.batch_progress, name="batch-progress"),
    path("reports/batches/<uuid:pk>/download/", batches.batch_download, name="batch-download"),
    path("reports/files/<uuid:pk>/download/", batches.report_download, name="report-download"),
    # One report asked for from a couple's page: "Preparing…" (polled), then the download above
    path("reports/files/<uuid:pk>/", single.report_detail, name="report-detail"),
    path("reports/files/<uuid:pk>/status/", single.report_status, name="report-status"),
]
