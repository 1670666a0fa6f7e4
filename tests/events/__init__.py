"""Tests, one folder per stage of the flow (mirroring builder/ and annotation/)."""
