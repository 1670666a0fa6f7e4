"""Ingest of each input kind and each kind of bad input: clear message, nothing else lost."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from builder.core.records import Article
from builder.ingest.read import InputError, decode, read_file
from builder.ingest.run import IngestOptions, ingest
from builder.workspace.layout import Workspace
from builder.workspace.parts import iter_parquet, parts

GOOD_PAGE = (
    "Judul Berita Baik\n"
    "Budi Santoso , Jurnalis-Senin, 03 Januari 2022 |10:00 WIB\n"
    "JAKARTA – Presiden meresmikan jembatan baru di Jakarta pada Senin (3/1/2022). Jembatan itu panjangnya 2,5 km.\n"
)


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def only(outcomes: list) -> Article | InputError:
    assert len(outcomes) == 1
    return outcomes[0]


def test_examples_ingest_every_format(examples_dir: Path, workspace: Workspace) -> None:
    summary = ingest([examples_dir], workspace=workspace)
    assert summary.skipped == []
    assert summary.files == 4
    assert summary.articles == 6
    sources = {r["path"].rsplit("/", 1)[-1]: r for r in _articles(workspace)}
    html = sources["antara-gempa-jayapura.html"]
    assert html["title"] == "Gempa magnitudo 5,2 guncang Jayapura, warga berhamburan keluar rumah"
    assert html["published_at"] == "2023-05-10T08:15:00+09:00"
    assert html["author"] == "Evarukdijati"
    assert html["dateline"] == "Jayapura"
    assert "Baca juga" not in html["body"] and "Editor:" not in html["body"]
    assert html["captions"] and "(Foto: ANTARA/Evarukdijati)" in html["captions"][0]
    kompas = sources["kompas-banjir-makassar.txt"]
    assert kompas["published_at"] == "2023-03-14T19:45:00+08:00"
    assert kompas["author"] == "Hendra Cipta"
    assert kompas["source"] == "Kompas"
    assert "Longsor Tutup Jalan" not in kompas["body"]
    first_jsonl = sources["articles.jsonl:1"]
    assert first_jsonl["published_at"] == "2023-10-02T14:30:00+07:00"
    assert "(sti/hns)" not in first_jsonl["body"]


def _articles(workspace: Workspace) -> list[dict]:
    return [row for batch in iter_parquet(workspace.articles_dir) for row in batch.to_pylist()]


def test_empty_file(tmp_path: Path) -> None:
    error = only(list(read_file(write(tmp_path / "empty.txt", b""))))
    assert isinstance(error, InputError) and error.kind == "empty"
    assert "empty.txt: the file is empty" in str(error)


def test_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    error = only(list(read_file(write(tmp_path / "blank.txt", b"  \n\n\t\n"))))
    assert isinstance(error, InputError) and error.kind == "empty"


def test_binary_file(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    error = only(list(read_file(write(tmp_path / "photo.txt", png))))
    assert isinstance(error, InputError) and error.kind == "binary"
    with pytest.raises(InputError, match=r"photo\.txt: this looks like a binary file"):
        raise error


def test_cp1252_is_detected_and_reported(tmp_path: Path) -> None:
    text = GOOD_PAGE.replace("Presiden meresmikan", "Presiden “meresmikan”")
    notices = []
    article = only(list(read_file(write(tmp_path / "win.txt", text.encode("cp1252")), notify=notices.append)))
    assert isinstance(article, Article)
    assert "“meresmikan”" in article.body
    assert [n.kind for n in notices] == ["decoded_cp1252"]
    assert notices[0].message.startswith("not UTF-8 (byte 0x96 at offset 84)")
    assert notices[0].where.endswith("win.txt")
    assert "read as cp1252" in notices[0].message


def test_latin1_when_cp1252_cannot_decode() -> None:
    decoded = decode("Café \x81".encode("latin-1"), "x.txt")
    assert decoded.text == "Café \x81"
    assert [n.kind for n in decoded.notices] == ["decoded_latin1"]


def test_bom_and_crlf(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + GOOD_PAGE.replace("\n", "\r\n").encode("utf-8")
    notices = []
    article = only(list(read_file(write(tmp_path / "bom.txt", data), notify=notices.append)))
    assert isinstance(article, Article)
    assert article.title == "Judul Berita Baik"
    assert "\r" not in article.body and "\ufeff" not in article.body
    assert sorted(n.kind for n in notices) == ["bom", "crlf"]


def test_single_ten_megabyte_line(tmp_path: Path) -> None:
    path = write(tmp_path / "huge.txt", ("kata " * 2_100_000).encode("ascii"))
    assert path.stat().st_size > 10_000_000
    error = only(list(read_file(path)))
    assert isinstance(error, InputError) and error.kind == "too_long"
    assert "10,500,000 bytes is more than an article of at most 500,000 characters can take; not read" in str(error)


def test_page_a_little_too_long_is_measured_in_characters(tmp_path: Path) -> None:
    path = write(tmp_path / "long.txt", ("kata " * 120_000).encode("ascii"))  # 600,000 bytes: read, then refused
    error = only(list(read_file(path)))
    assert isinstance(error, InputError) and error.kind == "too_long"
    assert "600,000 characters is more than the 500,000" in str(error)


def test_all_boilerplate_page(tmp_path: Path) -> None:
    page = "Advertisement\nBACA JUGA: Sesuatu\nA\nA\nBerita Terkait\nAdvertisement\n"
    error = only(list(read_file(write(tmp_path / "ads.txt", page))))
    assert isinstance(error, InputError) and error.kind == "all_boilerplate"
    assert "nothing is left after cleaning (6 lines removed: advertisement, read_also, related, widget)" in str(error)


def test_unsupported_type(tmp_path: Path) -> None:
    error = only(list(read_file(write(tmp_path / "doc.pdf", b"%PDF-1.4"))))
    assert isinstance(error, InputError) and error.kind == "unsupported_type"
    assert "'.pdf'" in str(error)


def test_jsonl_bad_lines_are_skipped_and_named(tmp_path: Path) -> None:
    lines = [
        json.dumps({"title": "Satu", "text": "Isi berita satu. Kalimat kedua."}),
        "{not json",
        json.dumps({"title": "Tanpa teks"}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"title": "Dua", "body": "Isi berita dua."}),
    ]
    outcomes = list(read_file(write(tmp_path / "a.jsonl", "\n".join(lines))))
    kinds = [o.kind if isinstance(o, InputError) else "article" for o in outcomes]
    assert kinds == ["article", "bad_json", "no_text_field", "bad_json", "article"]
    assert str(outcomes[1]).startswith(f"{tmp_path / 'a.jsonl'}:2: not valid JSON")
    assert "fields present: title" in str(outcomes[2])


def test_html_without_article_text(tmp_path: Path) -> None:
    error = only(list(read_file(write(tmp_path / "empty.html", "<html><body><nav>Beranda</nav></body></html>"))))
    assert isinstance(error, InputError) and error.kind == "all_boilerplate"
    assert "(1 line removed: navigation)" in str(error)


def test_run_continues_and_counts_every_skip(tmp_path: Path, workspace: Workspace) -> None:
    inputs = tmp_path / "in"
    write(inputs / "a-good.txt", GOOD_PAGE)
    write(inputs / "b-copy.txt", GOOD_PAGE)  # the same article twice
    write(inputs / "c-empty.txt", b"")
    write(inputs / "d-binary.txt", b"\x00\x01\x02" * 100)
    write(inputs / "e-ads.txt", "Advertisement\n")
    write(inputs / "f-win.txt", GOOD_PAGE.replace("baru", "“baru”").encode("cp1252"))
    summary = ingest([inputs], workspace=workspace)
    assert summary.files == 6
    assert summary.articles == 2
    assert dict(summary.skipped_by_kind()) == {"duplicate": 1, "empty": 1, "binary": 1, "all_boilerplate": 1}
    duplicate = next(p for p in summary.skipped if p.kind == "duplicate")
    assert duplicate.where.endswith("b-copy.txt") and "a-good.txt" in duplicate.message
    assert [n.kind for n in summary.notices] == ["decoded_cp1252"]
    report = json.loads(Path(summary.outputs[-1]).read_text())
    assert report["skipped_by_kind"] == {"all_boilerplate": 1, "binary": 1, "duplicate": 1, "empty": 1}
    assert workspace.count_articles() == 2


def test_second_run_skips_articles_already_in_workspace(tmp_path: Path, workspace: Workspace) -> None:
    page = write(tmp_path / "a.txt", GOOD_PAGE)
    first = ingest([page], workspace=workspace)
    second = ingest([page], workspace=workspace)
    assert first.articles == 1
    assert second.articles == 0 and [p.kind for p in second.skipped] == ["duplicate"]
    assert workspace.count_articles() == 1
    assert len(parts(workspace.sentences_dir)) == 1  # an empty run writes no part


def test_sentences_are_written_in_batches(tmp_path: Path, workspace: Workspace) -> None:
    """Rows go out in row groups of at least `batch_rows`, whole articles at a time."""
    records = [{"title": f"Artikel {a}", "text": " ".join(f"Kalimat {a} nomor {i} ada di sini." for i in range(5))}
               for a in range(10)]
    path = write(tmp_path / "many.jsonl", "\n".join(json.dumps(r) for r in records))
    summary = ingest([path], workspace=workspace, options=IngestOptions(batch_rows=8))
    assert summary.sentences == 50
    part = pq.ParquetFile(parts(workspace.sentences_dir)[0])
    sizes = [part.metadata.row_group(i).num_rows for i in range(part.metadata.num_row_groups)]
    assert sizes == [10, 10, 10, 10, 10]  # two 5-sentence articles reach the batch of 8
    sentences = list(workspace.iter_sentences())
    assert [s.index for s in sentences[:6]] == [0, 1, 2, 3, 4, 0]
    assert sentences[3].text == "Kalimat 0 nomor 3 ada di sini."
    assert [t.text for t in sentences[3].tokens] == ["Kalimat", "0", "nomor", "3", "ada", "di", "sini", "."]


def test_input_errors_survive_pickling() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(InputError("a.txt", "empty", "the file is empty")))
    assert (error.where, error.kind, str(error)) == ("a.txt", "empty", "a.txt: the file is empty")


def test_workers_give_the_same_workspace(examples_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    write(bad / "empty.txt", b"")
    write(bad / "copy.txt", (examples_dir / "okezone-kazakhstan.txt").read_bytes())
    results = []
    for workers in (1, 2):
        ws = Workspace(tmp_path / f"ws{workers}")
        summary = ingest([examples_dir, bad], workspace=ws, options=IngestOptions(workers=workers))
        rows = [r for b in iter_parquet(ws.sentences_dir) for r in b.to_pylist()]
        results.append((summary.articles, summary.sentences, [(p.where, p.kind) for p in summary.skipped], rows))
    assert results[0] == results[1]
    assert results[0][2] == [(str(tmp_path / "bad" / "copy.txt"), "duplicate"), (str(tmp_path / "bad" / "empty.txt"), "empty")]
