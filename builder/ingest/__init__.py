"""Ingest: read pages, clean them, find dates, segment into sentences, and the ingest run."""
