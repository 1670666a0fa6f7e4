"""Indonesian dates and time zones to ISO 8601."""

from __future__ import annotations

import pytest

from builder.ingest.dates import find_date, normalise_timestamp


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Rahman Asmardika , Jurnalis-Jum'at, 07 Januari 2022 |05:52 WIB", "2022-01-07T05:52:00+07:00"),
        ("Jumat, 7 Januari 2022 05.52 WIB", "2022-01-07T05:52:00+07:00"),
        ("Kompas.com - 14/03/2023, 19:45 WITA", "2023-03-14T19:45:00+08:00"),
        ("Rabu, 10 Mei 2023 08:15 WIT", "2023-05-10T08:15:00+09:00"),
        ("Senin, 02 Okt 2023 14:30 WIB", "2023-10-02T14:30:00+07:00"),
        ("Minggu, 17 Agustus 2025 pukul 10:00:30 WIB", "2025-08-17T10:00:30+07:00"),
        ("Selasa, 1 Desember 2020", "2020-12-01"),
        ("1 Nopember 2021, 23:59", "2021-11-01T23:59:00"),
    ],
)
def test_find_date(text: str, iso: str) -> None:
    found = find_date(text)
    assert found is not None
    assert found.iso == iso


@pytest.mark.parametrize("text", ["tanpa tanggal", "31 Februari 2022", "45/13/2022 10:00 WIB", "Kamis (6/1)"])
def test_no_date(text: str) -> None:
    assert find_date(text) is None


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2023-05-10T08:15:00+09:00", "2023-05-10T08:15:00+09:00"),
        ("2023-05-10T01:15:00Z", "2023-05-10T01:15:00+00:00"),
        ("2022-11-08", "2022-11-08"),
        ("Senin, 02 Okt 2023 14:30 WIB", "2023-10-02T14:30:00+07:00"),
        ("kemarin", ""),
        ("", ""),
    ],
)
def test_normalise_timestamp(value: str, iso: str) -> None:
    assert normalise_timestamp(value) == iso
