"""`builder eval pages`: the scorer on hand-made articles, and the whole command on two real golden pages."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from builder.cli.app import app
from builder.core.records import Article
from builder.evaluate.pages import (
    EXPECTED_FILE,
    GoldPage,
    evaluate_pages,
    read_expected,
    score_page,
)
from builder.ingest.read import InputError

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
TWO = ("liputan6/cetak-gol-indonesia-malaysia.html", "merdeka/kasus-aktif-covid-19-melonjak.html")
runner = CliRunner()


def _gold(**changes: object) -> GoldPage:
    page = GoldPage(
        file="x/a.html", outlet="x", title="Judul Berita, Lengkap", author=None,
        published="2021-06-17T11:38+07:00",
        must_contain=("Kalimat pertama badan berita.", "Kalimat kedua yang panjang."),
        must_not_contain=("Baca juga: berita lain", "Foto: kredit"),
    )  # fmt: skip
    return replace(page, **changes)  # type: ignore[arg-type]


def _article(**fields: str) -> Article:
    values = {"title": "Judul Berita, Lengkap", "body": "Kalimat pertama badan berita.\n\nLain.", "author": "",
              "published_at": "2021-06-17T11:38:29+07:00", "source": "x"}
    values.update(fields)
    return Article(id="a", title=values["title"], body=values["body"], source=values["source"], url="",
                   author=values["author"], published_at=values["published_at"], path="x/a.html")


def test_score_page_counts_what_a_reader_would_count() -> None:
    result = score_page(_gold(), _article())
    assert (result.title_ok, result.author_ok, result.time_ok) == (True, True, True)
    assert (result.kept, result.leaked, result.lost) == (1, 0, "")
    # A site name left on the title, a publisher as author, a leaked teaser, a sentence over two lines.
    worse = _article(title="Judul Berita, Lengkap | merdeka.com", author="Merdeka.com",
                     body="Kalimat pertama badan\nberita.\n\nBaca juga: berita lain\n\nKalimat kedua yang panjang.")
    result = score_page(_gold(), worse)
    assert (result.title_ok, result.author_ok, result.kept, result.leaked) == (False, False, 2, 1)


@pytest.mark.parametrize(
    ("published", "ok"),
    [
        ("2021-06-17T11:38:00+07:00", True),
        ("2021-06-17T04:38:00+00:00", False),  # the same instant, but not the zone the page shows
        ("2021-06-17T11:38:00", False),  # no offset
        ("2021-06-17", False),  # the day only
        ("2021-06-17T11:39+07:00", False),
        ("", False),
        ("kemarin", False),
    ],
)
def test_time_must_match_to_the_minute_with_the_offset(published: str, ok: bool) -> None:
    assert score_page(_gold(), _article(published_at=published)).time_ok is ok


def test_expected_time_null_means_no_time() -> None:
    # A page that shows no publication time: a cleaner is right only if it reports none.
    assert score_page(_gold(published=None), _article(published_at="")).time_ok
    assert not score_page(_gold(published=None), _article(published_at="2019-12-29")).time_ok


def test_expected_author_null_means_no_author() -> None:
    assert score_page(_gold(author="Tommy Kurnia"), _article(author="Tommy Kurnia")).author_ok
    assert not score_page(_gold(author=None), _article(author="Liputan6.com")).author_ok


def test_a_lost_article_keeps_nothing() -> None:
    result = score_page(_gold(), InputError("x/a.html", "no_article_text", "no text"))
    assert result.lost.startswith("no_article_text") and result.kept == 0 and not result.title_ok


def test_golden_set_is_well_formed() -> None:
    pages = read_expected(PAGES)
    assert len({p.file for p in pages}) == len(pages)
    for page in pages:
        assert len(page.must_contain) == 3 and len(page.must_not_contain) == 3, page.file
        assert page.file.startswith(page.outlet + "/"), page.file
        assert page.published is None or (page.published[10] == "T" and page.published[-6] in "+-"), page.file


def _two_pages(tmp_path: Path) -> Path:
    lines = [line for line in (PAGES / EXPECTED_FILE).read_text(encoding="utf-8").splitlines()
             if json.loads(line)["file"] in TWO]
    assert len(lines) == 2
    for name in TWO:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PAGES / name, tmp_path / name)
    (tmp_path / EXPECTED_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_evaluate_two_real_pages_is_consistent(tmp_path: Path) -> None:
    folder = _two_pages(tmp_path)
    pages = read_expected(folder)
    report = evaluate_pages(folder, pages)
    total = report.total()
    assert (total.pages, total.body_lines, total.boilerplate_lines, total.lost) == (2, 6, 6, 0)
    assert set(report.by_outlet()) == {"liputan6", "merdeka"}
    # The body lines a cleaner keeps are exactly the ones that leak when declared boilerplate.
    swapped = [replace(p, must_contain=(), must_not_contain=p.must_contain) for p in pages]
    assert evaluate_pages(folder, swapped).total().leaked == total.kept
    # A title that is not on the page is never right.
    wrong = [replace(p, title=p.title + " (tidak ada)") for p in pages]
    assert evaluate_pages(folder, wrong).total().title == 0


def test_cli_prints_the_table_and_writes_json(tmp_path: Path) -> None:
    folder = _two_pages(tmp_path / "pages")
    out = tmp_path / "figures.json"
    result = runner.invoke(app, ["eval", "pages", str(folder), "--json", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for word in ("liputan6", "merdeka", "total", "title exact", "articles lost"):
        assert word in result.output
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["total"]["pages"] == 2 and len(figures["pages"]) == 2


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["eval", "pages", str(tmp_path)])
    assert missing.exit_code == 2 and EXPECTED_FILE in missing.output
    (tmp_path / "a.html").write_text("<html></html>", encoding="utf-8")
    record = {"file": "a.html", "outlet": "x", "title": "t", "author": None, "published": "4 Nov 2015",
              "must_contain": [], "must_not_contain": []}
    (tmp_path / EXPECTED_FILE).write_text(json.dumps(record) + "\n", encoding="utf-8")
    bad_time = runner.invoke(app, ["eval", "pages", str(tmp_path)])
    assert bad_time.exit_code == 2 and f"{EXPECTED_FILE}:1" in bad_time.output and "Traceback" not in bad_time.output
