"""Releases: pinned splits, streamed typed rows, card, CHANGES, Parquet and exports, the Hub; reads only the workspace."""
