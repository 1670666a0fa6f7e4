"""Build annotated Indonesian news datasets: ingest, clean, segment, pre-label, release."""

__version__ = "0.1.0"
