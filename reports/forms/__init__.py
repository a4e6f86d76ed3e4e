"""Forms of the reports pages, one module per area (couple reports, practice report, batches)."""
