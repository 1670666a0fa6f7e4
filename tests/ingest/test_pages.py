"""The cleaner on HTML pages: real golden pages (tests/data/pages) and pages built in each outlet's format.

The golden pages are real pages of 15 outlets; the built pages are small hand-made HTML documents that
use the byline and dateline formats of outlets we have no real page of yet (their markup is minimal, so
they test the rules, not trafilatura)."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.core.records import Article
from builder.evaluate.pages import evaluate_pages
from builder.ingest.clean import (
    clean_html,
    continue_cut_off,
    looks_cut_off,
    restore_missing,
)
from builder.ingest.read import read_file, read_html_page, read_text_page

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"

_PARAGRAPHS = [
    "Pemerintah kota menyiapkan tiga posko pengungsian bagi warga yang rumahnya terendam banjir sejak Senin malam.",
    "Kepala Badan Penanggulangan Bencana Daerah mengatakan ketinggian air di beberapa kelurahan mencapai satu meter.",
    "Warga diminta tetap waspada karena hujan dengan intensitas tinggi diperkirakan turun hingga akhir pekan ini.",
    "Petugas gabungan dari TNI, Polri dan relawan sudah dikerahkan untuk membantu evakuasi warga lanjut usia.",
    "Dinas Sosial juga menyalurkan bantuan makanan siap saji dan selimut ke setiap posko yang sudah dibuka.",
]
TITLE = "Banjir Rendam Tiga Kelurahan, Ratusan Warga Mengungsi"


def page(header: str, *, meta: str = "", lead: str = "", body: list[str] | None = None, tail: str = "") -> str:
    """A small article page: <title>, meta tags, the headline, header lines, paragraphs, a footer."""
    paragraphs = "".join(f"<p>{p}</p>" for p in (body if body is not None else _PARAGRAPHS))
    return (
        f"<html><head><title>{TITLE} - Contoh.com</title>{meta}</head><body>"
        "<nav><a href='/'>Beranda</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{TITLE}</h1>{header}<div class='content'>{lead}{paragraphs}{tail}</div></article>"
        "<footer><p>Copyright © 2022 Contoh</p></footer></body></html>"
    )


def read(html: str) -> Article:
    return read_html_page(html, "page.html")


def audit(article: Article) -> dict[str, str]:
    return {r.reason: r.text for r in article.removed if r.line == 0}


# --- real pages -----------------------------------------------------------------------------------


def test_golden_pages_figures() -> None:
    """Issue 16's figures on the golden set; before this cleaner: titles 13/26, authors 11/26, times 9/26,
    boilerplate leaked 8/78, body lines 73/78."""
    total = evaluate_pages(PAGES).total()
    assert total.pages >= 26 and total.lost == 0
    assert total.title == total.pages
    assert total.author >= total.pages - 1
    # One miss: a Tempo feature whose template carries another page's article:published_time (2017-02-01)
    # while it shows no time; nothing on the page itself tells the two apart.
    assert total.time >= total.pages - 1
    assert total.leaked <= 1
    assert total.kept >= 0.95 * total.body_lines


def _golden(name: str) -> Article:
    outcome = next(read_file(PAGES / name))
    assert isinstance(outcome, Article), outcome
    return outcome


def test_visible_time_beats_a_meta_time_in_the_wrong_zone() -> None:
    # merdeka shows "PERISTIWA | 17 Juni 2021 11:38" and its pubdate says "11:38:29 GMT"/-07:00.
    article = _golden("merdeka/kasus-aktif-covid-19-melonjak.html")
    assert article.published_at == "2021-06-17T11:38:00+07:00"
    reasons = audit(article)
    assert "meta:published_at=visible_dateline" in reasons
    assert any(r.startswith("meta:rejected_published_at=") for r in reasons)
    assert article.author == "Aksara Bebey" and reasons["meta:author=visible_byline"] == "Aksara Bebey"


def test_publisher_as_author_is_rejected_and_said_so() -> None:
    article = _golden("liputan6/pengelola-mal-gugus-tugas.html")
    assert article.author == ""
    assert "meta:rejected_author=visible_byline:publisher" in audit(article)


def test_credit_under_the_text_and_utc_meta_time() -> None:
    jpnn = _golden("jpnn/kamrussamad-ppkm-darurat.html")
    assert (jpnn.author, jpnn.published_at) == ("Boy", "2021-07-18T18:52:00+07:00")
    kompas = _golden("kompas/money-menhub-tiket-pesawat.html")
    assert (kompas.author, kompas.published_at) == ("Isna Rifka Sri Rahayu", "2023-11-02T21:34:00+07:00")


def test_cut_off_text_retried_in_recall_mode_and_restored() -> None:
    article = _golden("kapanlagi/today-arif-edison.html")
    reasons = audit(article)
    assert "extract:trafilatura_recall" in reasons
    assert "Kostum yang ia kenakan juga termasuk rumit untuk digunakan sendiri." in article.body
    assert "extract:restored_from_page" in reasons


def test_teaser_list_after_closing_initials_is_removed_with_a_reason() -> None:
    article = _golden("merdeka/kasus-aktif-covid-19-melonjak.html")
    teasers = [r.text for r in article.removed if r.reason == "teaser_list"]
    assert "Gibran Larang Warga Solo Bepergian ke Zona Merah Covid-19" in teasers
    assert "Gibran Larang" not in article.body and "(mdk/yan)" not in article.body


# --- outlet formats, built pages ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "author", "published"),
    [
        ("<div>Rabu, 4 November 2015 | 21:04 WIB</div><div>Penulis : Andi Saputra</div>",
         "Andi Saputra", "2015-11-04T21:04:00+07:00"),
        ("<div>Reporter: Budi Santoso</div><div>Senin, 06 Jan 2022 10:30 WITA</div>",
         "Budi Santoso", "2022-01-06T10:30:00+08:00"),
        ("<p>06/01/2022, 10:30 WIT · Pewarta: Evarukdijati</p>", "Evarukdijati", "2022-01-06T10:30:00+09:00"),
        ("<div>By Maria Ulfa</div><div>Kamis, 02 Nov 2023 20:59 WIB</div>", "Maria Ulfa", "2023-11-02T20:59:00+07:00"),
        ("<div>Oleh : Arnold H Sianturi / FMB</div><div>Jumat, 9 Oktober 2020 | 14:01 WIB</div>",
         "Arnold H Sianturi", "2020-10-09T14:01:00+07:00"),
        ("<div>Vidya Pinandhita - detikHealth</div><div>Kamis, 02 Nov 2023 20:59 WIB</div>",
         "Vidya Pinandhita", "2023-11-02T20:59:00+07:00"),
        ("<div>Rahman Asmardika, Jurnalis</div><div>Jum'at, 07 Januari 2022 - 05:52 WIB</div>",
         "Rahman Asmardika", "2022-01-07T05:52:00+07:00"),
        ("<div>Beryl Santoso</div><div>- 7 Oktober 2020, 15:13 WIB</div>", "Beryl Santoso",
         "2020-10-07T15:13:00+07:00"),
        ("<div>NASIONAL | 17 Juni 2021 11:38</div><div>Editor: Yoga Sukmana</div>", "", "2021-06-17T11:38:00+07:00"),
        # not bylines: a section name above the dateline, a sentence that opens with "Oleh"
        ("<div>News Nasional</div><div>Senin, 06 Jan 2022 10:30 WIB</div>", "", "2022-01-06T10:30:00+07:00"),
        ("<div>Senin, 06 Jan 2022 10:30 WIB</div><p>Oleh sebab itu warga diminta waspada.</p>", "",
         "2022-01-06T10:30:00+07:00"),
    ],
)
def test_byline_and_dateline_formats(header: str, author: str, published: str) -> None:
    meta = '<meta property="og:url" content="https://health.detik.com/x">' if "detik" in header else ""
    article = read(page(header, meta=meta))
    assert (article.author, article.published_at) == (author, published)
    assert article.title == TITLE
    assert "Banjir" not in article.body.split("\n\n")[0][:10], "the headline must not open the body"


@pytest.mark.parametrize(
    ("meta_author", "why"),
    [
        ("https://www.facebook.com/penulis.berita", "not_a_name"),
        ("Contoh.com", "publisher"),
        ("Web Design by Studio Satu", "not_a_name"),
        ("Yoga Sukmana", "editor"),
    ],
)
def test_meta_authors_that_are_not_the_writer_are_rejected(meta_author: str, why: str) -> None:
    html = page("<div>Rabu, 4 November 2015 | 21:04 WIB</div>", meta=f'<meta name="author" content="{meta_author}">',
                tail="<p>Editor: Yoga Sukmana</p>")
    article = read(html)
    assert article.author == ""
    assert audit(article)[f"meta:rejected_author=meta_author:{why}"]


def test_meta_author_is_the_fallback_when_the_page_shows_no_byline() -> None:
    article = read(page("<div>Rabu, 4 November 2015 | 21:04 WIB</div>",
                        meta='<meta name="author" content="Siti Rahmawati">'))
    assert article.author == "Siti Rahmawati" and "meta:author=meta_author" in audit(article)


def test_meta_time_fills_in_the_clock_of_a_shown_day_and_loses_when_it_disagrees() -> None:
    utc = '<meta property="article:published_time" content="2015-11-04T14:04:00Z">'
    article = read(page("<div>Rabu, 4 November 2015</div>", meta=utc))
    assert article.published_at == "2015-11-04T21:04:00+07:00"  # the same instant, in the newsroom's zone
    wrong = '<meta property="article:published_time" content="2015-11-04T21:04:00Z">'
    article = read(page("<div>Rabu, 4 November 2015 | 21:04 WIB</div>", meta=wrong))
    assert article.published_at == "2015-11-04T21:04:00+07:00"
    assert audit(article)["meta:rejected_published_at=meta_published_time:disagrees_with_page"]
    other_day = '<meta property="article:published_time" content="2014-01-01T10:00:00+07:00">'
    article = read(page("<div>Rabu, 4 November 2015</div>", meta=other_day))
    assert article.published_at == "2015-11-04"


def test_dateline_lead_outside_a_paragraph_is_kept() -> None:
    lead = "JAKARTA, KOMPAS.com – Banjir merendam tiga kelurahan di Jakarta Timur sejak Senin malam, warga mengungsi."
    article = read(page("<div>Rabu, 4 November 2015 | 21:04 WIB</div>", lead=f"<div>{lead}</div>"))
    assert article.body.startswith(lead)
    assert article.dateline == "JAKARTA"


def test_restore_missing_puts_back_skipped_sentences_in_place() -> None:
    lines = ("Judul", "Kalimat pertama yang cukup panjang untuk menjadi paragraf badan berita ini.",
             "Kalimat yang terlewat oleh ekstraktor padahal jelas bagian dari badan berita ini.",
             "Kalimat ketiga yang juga cukup panjang untuk menjadi paragraf badan berita ini.")
    text = "\n".join([lines[1], lines[3]])
    restored_text, restored = restore_missing(text, lines, 0, set())
    assert restored == [lines[2]] and restored_text.split("\n") == list(lines[1:])


def test_no_article_text() -> None:
    assert clean_html("<html><body></body></html>") is None
    only_navigation = clean_html("<html><body><nav>Beranda</nav></body></html>")
    assert only_navigation is not None and only_navigation.page.paragraphs == ()


# --- scraped plain-text pages (the seed's format) in several outlets' formats ----------------------

_TEXT_BODY = "\n".join(_PARAGRAPHS[:3])


@pytest.mark.parametrize(
    ("header", "footer", "author", "published"),
    [
        ("detikNews\n{t}\nVidya Pinandhita - detikNews\nKamis, 02 Nov 2023 20:59 WIB", "",
         "Vidya Pinandhita", "2023-11-02T20:59:00+07:00"),
        ("Liputan6.com\n{t}\nOleh Novita Ayuningtyas pada 21 Jul 2021, 07:00 WIB\nDiperbarui 21 Jul 2021, 07:00 WIB", "",
         "Novita Ayuningtyas", "2021-07-21T07:00:00+07:00"),
        ("merdeka.com\n{t}\nJABAR | 16 Juni 2021 13:00\nReporter : Andre Kurniawan",
         "(mdk/yan)\nGibran Larang Warga Solo Bepergian ke Zona Merah\nSatgas Bubarkan Resepsi Pernikahan di Bekasi\n"
         "Ruangan Isolasi Pasien di Tangerang Hampir Penuh", "Andre Kurniawan", "2021-06-16T13:00:00+07:00"),
        ("ANTARA News\n{t}\nRabu, 4 November 2015 21:04 WITA\nPewarta: Evarukdijati", "Editor: Budi Suyanto",
         "Evarukdijati", "2015-11-04T21:04:00+08:00"),
        ("Tempo.co\n{t}\nReporter: Andita Rahma\nEditor: Juli Hantoro\nRabu, 4 November 2015 21:04 WIB", "",
         "Andita Rahma", "2015-11-04T21:04:00+07:00"),
        ("CNN Indonesia\n{t}\nCNN Indonesia | Rabu, 04/01/2023 10:30 WIB", "(asa/ain)", "", "2023-01-04T10:30:00+07:00"),
        ("{t}\nJumat, 9 Oktober 2020 | 14:01 WIB\nOleh : Arnold H Sianturi / FMB", "", "Arnold H Sianturi",
         "2020-10-09T14:01:00+07:00"),
        ("{t}\nPenulis: Despian Nurhidayat\nPada: Rabu, 04 Nov 2015, 21:04 WIB", "", "Despian Nurhidayat",
         "2015-11-04T21:04:00+07:00"),
    ],
)
def test_text_pages_of_several_outlets(header: str, footer: str, author: str, published: str) -> None:
    text = f"{header.format(t=TITLE)}\n{_TEXT_BODY}\n{footer}"
    article = read_text_page(text, "page.txt")
    assert (article.title, article.author, article.published_at) == (TITLE, author, published)
    assert article.body == "\n\n".join(_PARAGRAPHS[:3])


def test_cut_off_text_is_continued_up_to_the_footer() -> None:
    sentence = "Kalimat badan berita yang cukup panjang untuk menjadi satu paragraf nomor {}."
    lines = ("Judul", sentence.format(1), "2 dari 3 halaman", sentence.format(2), "Perbesar",
             "Foto (Sumber: Instagram)", "3 dari 3 halaman", sentence.format(3), "Berita Terkait",
             "Teaser panjang dari berita lain yang juga berakhir dengan titik di ujungnya.")
    text, added = continue_cut_off(sentence.format(1), lines, 0, set())
    assert added == [sentence.format(2), sentence.format(3)]
    assert text.split("\n") == [sentence.format(i) for i in (1, 2, 3)]
    assert looks_cut_off(sentence.format(1), lines, 0)
    assert not looks_cut_off(text, lines, 0)


@pytest.mark.parametrize("html", ["<!-- nothing -->", "<html></html>", "<p></p>", "\x0c"])
def test_pages_without_text_are_none_not_errors(html: str) -> None:
    assert clean_html(html) is None


# --- interactive features, credits boxes, the second extractor -------------------------------------


def test_tempo_feature_credits_box_capitals_headline_and_no_time() -> None:
    """A Tempo interactive feature: an all-capitals <h1>, the writers in a credits box at the end
    ("Penulis" / "A B" / "C D" / "Editor" ...), no publication time anywhere on the page."""
    article = _golden("tempo/interaktif-13-tahun-aksi-kamisan.html")
    reasons = audit(article)
    assert article.title == "594 Surat Dari Depan Istana"
    assert "meta:title=visible_h1_cased_as_meta_title" in reasons
    assert article.author == "Andita Rahma, Rosseno Aji" and "meta:author=visible_credit_block" in reasons
    # trafilatura's date is a date of the text ("13-15 Mei 1998"), not the page's: no time, and said so.
    assert article.published_at == ""
    assert any(r.startswith("meta:rejected_published_at=trafilatura_date") for r in reasons)
    # The glossary pop-up below the credits box is not the article.
    assert "muncul 120 kali" not in article.body and "extract:after_credits" in reasons
    assert "klik di sini" not in article.body


def test_a_date_inside_a_sentence_is_not_the_dateline() -> None:
    html = page("", body=["Kami dipukul di depan gedung itu, kata Kurnia kepada wartawan pada Jumat, 7 Februari 2020.",
                          *_PARAGRAPHS])
    assert read(html).published_at == ""


def test_credits_box_names_stop_at_the_next_role() -> None:
    credits = ("<div><h6>Penulis</h6><ul><li>Budiarti Utami Putri</li><li>Ahmad Faiz</li></ul>"
               "<h6>Penyumbang Bahan</h6><ul><li>Shinta Maharani</li></ul></div>")
    article = read(page("", tail=credits))
    assert article.author == "Budiarti Utami Putri, Ahmad Faiz"


def test_second_extractor_only_when_trafilatura_fails_the_check() -> None:
    # The Liputan6 prayer guide: trafilatura's text scores below the floor (many short headings), readability's
    # passes the check and scores higher, so it is kept and the choice recorded.
    chosen = audit(_golden("liputan6/tata-cara-sholat-jamak-qasar.html"))
    assert "extract:readability_tried" in chosen and "extract:readability" in chosen
    # A page whose text passes the check never runs it.
    passing = audit(_golden("gelora/sri-mulyani-mk-uji-materi.html"))
    assert "extract:trafilatura_precision" in passing and "extract:readability_tried" not in passing
    # Tried but not kept when its text is cut off too (Liputan6 "today" page) or scores lower (merdeka video).
    for name in ("liputan6/today-swiss-open-2022.html", "merdeka/video-pogba-botol-bir.html"):
        reasons = audit(_golden(name))
        assert "extract:readability_tried" in reasons and "extract:trafilatura_precision" in reasons, name


def test_captions_beside_pictures_leave_the_text_but_a_repeated_paragraph_stays() -> None:
    slider = ("<div class='list-foto'><figure><img src='a.jpg'></figure><div><p>Polisi menarik baju seorang "
              "fotografer saat meliput unjuk rasa di Makassar, Kamis, 13 Oktober 2014.</p></div></div>")
    article = read(page("", tail=slider))
    assert "Polisi menarik baju" not in article.body
    assert "extract:caption" in audit(article)
    # merdeka prints a paragraph of the text again under its photo: the paragraph is kept, once.
    kept = _golden("merdeka/today-pemalsuan-tanda-tangan-jk.html")
    line = "Surat itu juga memuat tanda tangan Ketua Umum DMI Jusuf Kalla dan Sekjen DMI Imam Addaruqutni"
    assert kept.body.count(line) == 1
