"""Releases: splits, typed rows, card, CHANGES, Parquet and exports, the Hub upload; reads only the workspace."""
