"""Outlet rules as data (builder/resources/outlets.toml): the table loads, finds outlets, strips site names."""

from __future__ import annotations

import re

import pytest

from builder.ingest.metadata import strip_site_name
from builder.ingest.outlets import (
    GENERIC,
    find_outlet_rules,
    load_outlets,
    parse_outlets,
    rules_for,
)

#: The outlets issue 16 names; each must have a table.
NAMED_IN_ISSUE = (
    "detik", "kompas", "tribunnews", "cnnindonesia", "liputan6", "tempo", "antaranews", "okezone", "sindonews",
    "republika", "suara", "kumparan", "viva", "merdeka", "cnbcindonesia", "jpnn", "mediaindonesia",
)  # fmt: skip


def test_every_outlet_named_in_the_issue_has_a_table() -> None:
    keys = {o.key for o in load_outlets()}
    assert GENERIC in keys
    assert set(NAMED_IN_ISSUE) <= keys
    for outlet in load_outlets():
        if outlet.key != GENERIC:
            assert outlet.name and outlet.domains and outlet.names, outlet.key
            assert outlet.title, f"{outlet.key}: no title rule"


@pytest.mark.parametrize(
    ("url", "site_name", "title", "key"),
    [
        ("https://regional.kompas.com/read/2015/11/04/x", "", "", "kompas"),
        ("https://m.merdeka.com/jabar/x.html", "", "", "merdeka"),
        ("https://www.antaranews.com/berita/1/x", "", "", "antaranews"),
        ("", "KapanLagi.com", "", "kapanlagi"),
        ("", "", "Kabar Baru Hari Ini | Tempo Gaya", "tempo"),
        ("", "", "KapanLagi.com: Raffi Ahmad Liburan", "kapanlagi"),
        ("https://notakompas.com.example.org/x", "", "", None),
    ],
)
def test_outlet_found_by_url_site_name_or_title(url: str, site_name: str, title: str, key: str | None) -> None:
    outlet = find_outlet_rules(url, site_name, title)
    assert (outlet.key if outlet else None) == key


def test_a_headline_word_is_not_a_site_name() -> None:
    # "Suara" (voice) and "Bisnis" (business) are outlets, but here they are the headline's own words.
    assert find_outlet_rules(title="Suara Rakyat Makin Keras Soal Harga Beras") is None
    assert find_outlet_rules(title="Bisnis Kuliner Tumbuh di Bandung") is None


@pytest.mark.parametrize(
    ("title", "key", "expected"),
    [
        ("Banjir Rendam Makassar, Ribuan Warga Mengungsi - Kompas.com Regional", "kompas",
         "Banjir Rendam Makassar, Ribuan Warga Mengungsi"),
        ("KapanLagi.com: Raffi Ahmad dan Nagita Liburan ke Bali", "kapanlagi",
         "Raffi Ahmad dan Nagita Liburan ke Bali"),
        ("5 Cara Merawat Kulit Saat Musim Hujan | Tempo Gaya", "tempo", "5 Cara Merawat Kulit Saat Musim Hujan"),
        ("Hedy Lamarr, Bintang Hollywood & Penemu | merdeka.com", "merdeka", "Hedy Lamarr, Bintang Hollywood & Penemu"),
        ("Hasil Swiss Open 2022: Juara! | Today Liputan6.com", "liputan6", "Hasil Swiss Open 2022: Juara!"),
        ("Gempa M 5,2 Guncang Jayapura - ANTARA News", "antaranews", "Gempa M 5,2 Guncang Jayapura"),
        ("Sri Mulyani: Ekonomi Tumbuh 5 Persen : Okezone Economy", "okezone", "Sri Mulyani: Ekonomi Tumbuh 5 Persen"),
        ("Tanpa Nama Situs: Judul Tetap Utuh, Ya?", None, "Tanpa Nama Situs: Judul Tetap Utuh, Ya?"),
        ("Berita Unik Hari Ini - Contohberita.co.id", None, "Berita Unik Hari Ini"),
    ],
)
def test_site_name_stripped_from_titles_punctuation_kept(title: str, key: str | None, expected: str) -> None:
    outlet = next((o for o in load_outlets() if o.key == key), None)
    assert strip_site_name(title, rules_for(outlet)) == expected


def test_bad_tables_give_one_clear_error() -> None:
    good = 'key = "x"\nname = "X"\ndomains = []\nnames = []\ntitle = []\nbyline = []\ndate = []\nboilerplate = []\n'
    generic = good.replace('"x"', '"generic"', 1)
    assert len(parse_outlets(f"[[outlet]]\n{generic}[[outlet]]\n{good}")) == 2
    head = f"[[outlet]]\n{generic}[[outlet]]\n"
    cases = {
        "[[outlet]\n": "not valid TOML",
        f"[[outlet]]\n{good}": "no [[outlet]] with key = 'generic'",
        head + good.replace("byline = []", "byline = ['(']"): "bad pattern",
        head + good.replace("byline = []", "byline = ['Oleh (.+)']"): "(?P<name>",
        head + good.replace("date = []", ""): "missing field(s) date",
        head + good + 'zone = "UTC"\n': "zone 'UTC'",
    }
    for text, message in cases.items():
        with pytest.raises(ValueError, match=re.escape(message)):
            parse_outlets(text, "t.toml")
