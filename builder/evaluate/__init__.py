"""Measure the pipeline: sentence boundaries, entity and event pre-labels against gold files."""
