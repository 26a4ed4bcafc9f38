"""What a person reads about a pipeline run: run-level metadata and self-contained HTML reports (no network).

The ZenML steps publish these as run metadata and as HTML artifacts the dashboard renders.
"""
