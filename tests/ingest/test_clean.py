"""The cleaner on the seed page (golden) and on each boilerplate rule."""

from __future__ import annotations

import unicodedata

import pytest

from builder.ingest.clean import (
    clean_page,
    find_dateline,
    match_rule,
    normalise_line,
    parse_author,
)
from builder.ingest.read import read_text_page
from builder.ingest.segment import segment

BOILERPLATE = [
    "Advertisement",
    "INFOGRAFIS INDEKS",
    "BACA JUGA",
    "Follow WhatsApp Channel",
    "Topik Artikel",
    "Berita Terkait",
    "Telusuri berita",
    "(Foto:",
    "(Rahman Asmardika)",
    "Jurnalis",
    "\u00a0",
]


def test_seed_page_metadata(seed_text: str) -> None:
    article = read_text_page(seed_text, "seed.txt")
    assert article.title == "Kerusuhan Berdarah Pecah di Kazakhstan, Rusia Kirimkan Pasukan"
    assert article.author == "Rahman Asmardika"
    assert article.published_at == "2022-01-07T05:52:00+07:00"
    assert article.source == "Okezone"
    assert article.dateline == "ALMATY"
    assert article.captions == (
        "Petugas berseragam terlihat dalam kerusuhan di Almaty, Kazakhstan, 5 Januari 2022. (Foto: Reuters)",
    )


def test_seed_page_sentences(seed_text: str) -> None:
    sentences = segment(read_text_page(seed_text, "seed.txt"))
    assert 20 <= len(sentences) <= 28
    assert sentences[0].text == (
        "ALMATY – Kerusuhan pecah di kota-kota utama Kazakhstan, menewaskan puluhan orang pada Kamis (6/1/2022)."
    )
    texts = [s.text for s in sentences]
    assert "Lebih dari 2.000 orang ditangkap." in texts
    assert any("pasuaknnya untik" in t for t in texts), "typos in the source must stay as they are"
    assert any('meminta saya... untuk membantu mereka segera," katanya' in t for t in texts)
    for text in texts:
        for fragment in BOILERPLATE:
            assert fragment not in text, f"boilerplate {fragment!r} reached sentence {text!r}"
        assert text != "A"
        assert unicodedata.is_normalized("NFC", text)


def test_seed_page_audit_records_every_removed_line(seed_text: str) -> None:
    article = read_text_page(seed_text, "seed.txt")
    reasons = [r.reason for r in article.removed]
    assert reasons.count("advertisement") == 7
    assert reasons.count("widget") == 3
    assert reasons.count("read_also") == 2
    assert {"navigation", "title", "byline", "duplicate_title", "caption", "closing_byline", "follow", "topic",
            "related", "browse"} <= set(reasons)
    lines = seed_text.split("\n")
    for removed in article.removed:
        assert normalise_line(lines[removed.line - 1]) == removed.text


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Advertisement", "advertisement"),
        ("SCROLL TO CONTINUE WITH CONTENT", "advertisement"),
        ("BACA JUGA: Presiden Kazakhstan Mendadak Mengundurkan Diri", "read_also"),
        ("Baca juga: Cuaca Ekstrem", "read_also"),
        ("A", "widget"),
        ("A A A", "widget"),
        ("Lihat Foto", "widget"),
        ("Follow WhatsApp Channel Okezone untuk update berita terbaru setiap hari", "follow"),
        ("Simak breaking news dan berita pilihan kami langsung di ponselmu.", "follow"),
        ("Topik Artikel :", "topic"),
        ("Tag: banjir, makassar", "topic"),
        ("Berita Terkait", "related"),
        ("Telusuri berita news lainnya", "browse"),
        ("INFOGRAFIS INDEKS", "navigation"),
        ("KOMPAS.com", "navigation"),
        ("Editor: Ani Maryani", "credit"),
        ("Copyright © 2023 ANTARA", "copyright"),
        ("Warga mengungsi di masjid. (Foto: KOMPAS.com/HENDRA)", "caption"),
        ("(Rahman Asmardika)", "closing_byline"),
    ],
)
def test_boilerplate_rules(line: str, rule: str) -> None:
    assert match_rule(line) == rule


@pytest.mark.parametrize(
    "line",
    [
        "Tagihan listrik naik 10 persen mulai bulan depan.",
        "Topik utama pertemuan itu adalah harga beras.",
        "Ikuti perkembangan kasus ini, kata polisi, karena penyelidikan di Instagram dan Twitter masih berjalan "
        "dan akan diumumkan kepada publik dalam waktu dekat setelah semua saksi diperiksa.",
        "Amerika Serikat mengatakan sedang memantau dengan cermat laporan pengerahan itu.",
        "(81 tahun), yang memegang kendali meskipun mengundurkan diri tiga tahun lalu sebagai presiden.",
    ],
)
def test_body_lines_are_not_boilerplate(line: str) -> None:
    assert match_rule(line) is None


def test_normalise_line_spaces_nfc_and_invisible() -> None:
    assert normalise_line("dilansir\u00a0Reuters\u2009 kata\u200bnya ") == "dilansir Reuters katanya"
    assert normalise_line("Cafe\u0301") == "Café"  # decomposed → NFC
    assert normalise_line("👨\u200d👩\u200d👧") == "👨\u200d👩\u200d👧"  # ZWJ emoji kept


def test_footer_marker_removes_following_headlines() -> None:
    page = clean_page(
        "Judul Berita\n\nIsi berita yang cukup panjang untuk dianggap sebagai teks badan berita ini.\n"
        "Berita Terkait\nJudul Lain yang Tidak Boleh Masuk\nJudul Ketiga\n"
    )
    assert page.paragraphs == ("Isi berita yang cukup panjang untuk dianggap sebagai teks badan berita ini.",)
    assert [r.reason for r in page.removed][-2:] == ["footer_after_related", "footer_after_related"]


def test_trailing_initials_byline_is_removed_from_last_paragraph() -> None:
    page = clean_page("Judul\n\nIa pergi ke pasar pada pagi hari itu bersama keluarganya kemarin. (ant/rdk)")
    assert page.paragraphs[-1].endswith("kemarin.")
    assert page.removed[-1].text == "(ant/rdk)"
    assert page.removed[-1].reason == "closing_byline"


def test_given_title_skips_header_parsing() -> None:
    page = clean_page("Senin, 3 Januari 2022 10:00 WIB\nIsi.", title="Judul")
    assert page.title == "Judul"
    assert page.published_at == ""
    assert page.paragraphs[0] == "Senin, 3 Januari 2022 10:00 WIB"


@pytest.mark.parametrize(
    ("prefix", "author"),
    [
        ("Rahman Asmardika , Jurnalis-", "Rahman Asmardika"),
        ("Oleh: Budi Santoso | ", "Budi Santoso"),
        ("Kompas.com - ", ""),
        ("Reporter: Ani, Budi - ", "Ani, Budi"),
    ],
)
def test_parse_author(prefix: str, author: str) -> None:
    assert parse_author(prefix) == author


@pytest.mark.parametrize(
    ("paragraph", "dateline"),
    [
        ("ALMATY – Kerusuhan pecah.", "ALMATY"),
        ("MAKASSAR, KOMPAS.com - Banjir merendam.", "MAKASSAR"),
        ("Jayapura (ANTARA) - Gempa bumi.", "Jayapura"),
        ("Sekretaris jenderal – kata dia.", ""),
        ("Kerusuhan pecah di Almaty.", ""),
    ],
)
def test_dateline(paragraph: str, dateline: str) -> None:
    assert find_dateline(paragraph) == dateline
