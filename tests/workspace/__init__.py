"""Tests, one folder per stage of builder/ and annotation/."""
