"""Adversarial inputs (issue 18): each becomes one counted, named skip or an honest notice; the run goes on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from builder.core.records import Article
from builder.ingest.read import InputError, Notice, read_file
from builder.ingest.run import ingest
from builder.workspace.layout import Workspace
from builder.workspace.parts import iter_parquet

GOOD_PAGE = (
    "Judul Berita Baik\n"
    "Budi Santoso , Jurnalis-Senin, 03 Januari 2022 |10:00 WIB\n"
    "JAKARTA – Presiden meresmikan jembatan baru di Jakarta pada Senin (3/1/2022). Jembatan itu panjangnya 2,5 km.\n"
)
GOOD_RECORD = {"title": "Berita", "text": "Warga Bandung menanam pohon di taman kota. Kegiatan itu berlangsung sehari."}


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def outcomes(path: Path) -> tuple[list[Article | InputError], list[Notice]]:
    notices: list[Notice] = []
    return list(read_file(path, notify=notices.append)), notices


def articles(workspace: Workspace) -> list[dict]:
    return [row for batch in iter_parquet(workspace.articles_dir) for row in batch.to_pylist()]


def test_deeply_nested_jsonl_line_is_one_skip(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = write(tmp_path / "a.jsonl", "\n".join([deep, json.dumps(GOOD_RECORD)]))
    found, _ = outcomes(path)
    assert isinstance(found[0], InputError) and found[0].kind == "too_deep"
    assert found[0].where.endswith("a.jsonl:1")
    assert isinstance(found[1], Article)


def test_lone_surrogate_in_jsonl_is_one_skip(tmp_path: Path, workspace: Workspace) -> None:
    bad = json.dumps({"title": "x", "text": "Berita \udc00 rusak. Kalimat kedua di sini."})  # ensure_ascii: \udc00
    assert "\\udc00" in bad
    pair = json.dumps({"title": "Emoji", "text": "Warga senang 😀 sekali hari ini. Mereka bernyanyi."})
    write(tmp_path / "in" / "a.jsonl", "\n".join([bad, pair, json.dumps(GOOD_RECORD)]))
    summary = ingest([tmp_path / "in"], workspace=workspace)
    assert summary.articles == 2  # an escaped surrogate *pair* (the emoji) is fine
    assert [(p.kind, p.where.rsplit("/", 1)[-1]) for p in summary.skipped] == [("bad_text", "a.jsonl:1")]
    assert "lone surrogate" in summary.skipped[0].message
    assert any("😀" in row["body"] for row in articles(workspace))


def test_file_name_that_is_not_utf8_is_kept_escaped(tmp_path: Path, workspace: Workspace) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "wb") as handle:
        handle.write(GOOD_PAGE.encode("utf-8"))
    write(folder / "good.jsonl", json.dumps(GOOD_RECORD))
    summary = ingest([folder], workspace=workspace)
    assert summary.articles == 2 and summary.skipped == []
    paths = sorted(row["path"].rsplit("/", 1)[-1] for row in articles(workspace))
    assert paths == ["caf\\xe9.txt", "good.jsonl:1"]
    report = json.loads(Path(summary.outputs[-1]).read_text(encoding="utf-8"))
    assert report["articles"] == 2


def test_symlink_to_dev_zero_and_a_fifo_are_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write(folder / "good.txt", GOOD_PAGE)
    (folder / "zero.txt").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.txt")
    ws = tmp_path / "ws"
    # As a user runs it: it must finish (not hang on the pipe, not read /dev/zero until memory runs out).
    done = subprocess.run([sys.executable, "-m", "builder", "ingest", str(folder), "--workspace", str(ws),
                           "--workers", "1"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(next((ws / "runs").glob("ingest-*.json")).read_text(encoding="utf-8"))
    assert report["articles"] == 1
    assert report["skipped_by_kind"] == {"not_a_file": 2}
    reasons = {Path(s["where"]).name: s["message"] for s in report["skipped"]}
    assert "a named pipe" in reasons["pipe.txt"] and "a character device" in reasons["zero.txt"]


def test_huge_file_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(1 << 30)  # a sparse 1 GiB file: no disk used
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} was read"))
    found, _ = outcomes(path)
    assert len(found) == 1 and isinstance(found[0], InputError) and found[0].kind == "too_long"
    assert "1,073,741,824 bytes" in found[0].message and "not read" in found[0].message


def test_huge_jsonl_line_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("wb") as handle:
        handle.write(b'{"text": "')
        handle.truncate(64 << 20)  # one 64 MiB line (sparse)
        handle.seek(0, os.SEEK_END)
        handle.write(b'"}\n' + json.dumps(GOOD_RECORD).encode() + b"\n")
    found, _ = outcomes(path)
    assert isinstance(found[0], InputError) and found[0].kind == "too_long" and found[0].where.endswith(":1")
    assert isinstance(found[1], Article)


def test_mixed_utf8_and_cp1252_is_repaired_per_segment_and_reported(tmp_path: Path) -> None:
    data = ("Judul Berita Baik\n" "Budi Santoso , Jurnalis-Senin, 03 Januari 2022 |10:00 WIB\n").encode()
    data += "JAKARTA – Presiden minum kopi di Café Bandung pada Senin (3/1/2022). ".encode()  # UTF-8 – and é
    data += "Kopi itu enak dan ramai pengunjung di Café Mawar kata “warga”.\n".encode("cp1252")  # cp1252 é and “ ”
    found, notices = outcomes(write(tmp_path / "mixed.txt", data))
    article = found[0]
    assert isinstance(article, Article)
    assert "Café Bandung" in article.body and "Café Mawar" in article.body and "“warga”" in article.body
    assert "Ã" not in article.body and "â€" not in article.body  # no mojibake
    assert [n.kind for n in notices] == ["decoded_cp1252"]
    assert "(3 byte(s))" in notices[0].message and "were UTF-8 and read as such" in notices[0].message


def test_mixed_encodings_in_jsonl_lines_are_reported_per_line(tmp_path: Path) -> None:
    lines = [json.dumps(GOOD_RECORD, ensure_ascii=False).encode(),
             json.dumps({"text": "Kopi di Café Mawar enak sekali. Warga datang."}, ensure_ascii=False).encode("cp1252")]
    found, notices = outcomes(write(tmp_path / "a.jsonl", b"\n".join(lines)))
    assert all(isinstance(o, Article) for o in found) and "Café Mawar" in found[1].body
    assert [(n.kind, n.where.rsplit("/", 1)[-1]) for n in notices] == [("decoded_cp1252", "a.jsonl:2")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_bom_are_decoded(tmp_path: Path, encoding: str) -> None:
    data = GOOD_PAGE.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    found, notices = outcomes(write(tmp_path / "wide.txt", data))
    assert isinstance(found[0], Article), found
    assert "Presiden meresmikan jembatan" in found[0].body
    assert notices[0].kind in ("decoded_utf16", "decoded_utf32")


def test_utf16_jsonl_is_refused_clearly(tmp_path: Path) -> None:
    found, _ = outcomes(write(tmp_path / "wide.jsonl", json.dumps(GOOD_RECORD).encode("utf-16")))
    assert len(found) == 1 and isinstance(found[0], InputError) and found[0].kind == "bad_encoding"
    assert "re-save it as UTF-8" in found[0].message


def test_nul_bytes_are_removed_wherever_they_are_and_reported(tmp_path: Path) -> None:
    early = GOOD_PAGE.replace("Presiden", "Pre\x00siden")
    late = GOOD_PAGE + "Kalimat tambahan yang panjang sekali. " * 300 + "Akhir\x00nya datang.\n"
    assert late.index("\x00") > 8192
    for name, text in (("early.txt", early), ("late.txt", late)):
        found, notices = outcomes(write(tmp_path / name, text))
        assert isinstance(found[0], Article), found
        assert "\x00" not in found[0].body
        assert [n.kind for n in notices] == ["nul_removed"]
    escaped = json.dumps({"text": "Warga Bandung\u0000 menanam pohon. Kegiatan itu sehari."})
    found, _ = outcomes(write(tmp_path / "a.jsonl", escaped))
    assert isinstance(found[0], Article) and "\x00" not in found[0].body


def test_mostly_nul_file_is_still_binary(tmp_path: Path) -> None:
    found, _ = outcomes(write(tmp_path / "zeros.txt", b"\x00" * 4096 + b"teks"))
    assert isinstance(found[0], InputError) and found[0].kind == "binary"


def test_ten_thousand_deep_html_gets_a_clear_reason(tmp_path: Path) -> None:
    body = "<p>" + "Ini adalah teks berita yang cukup panjang untuk menjadi artikel. " * 20 + "</p>"
    html = "<html><body>" + "<div>" * 10_000 + body + "</div>" * 10_000 + "</body></html>"
    found, _ = outcomes(write(tmp_path / "deep.html", html))
    assert isinstance(found[0], InputError) and found[0].kind == "too_deep"
    assert "nested 255 or more elements deep" in found[0].message


def test_unexpected_error_in_one_article_is_one_skip(tmp_path: Path, workspace: Workspace,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import builder.ingest.run as run

    real = run.segment

    def fragile(article: Article):  # noqa: ANN202
        if "Bandung" in article.body:
            raise RuntimeError("segmenter broke")
        return real(article)

    monkeypatch.setattr(run, "segment", fragile)
    write(tmp_path / "in" / "a.jsonl", json.dumps(GOOD_RECORD))
    write(tmp_path / "in" / "b.txt", GOOD_PAGE)
    summary = ingest([tmp_path / "in"], workspace=workspace, options=run.IngestOptions(workers=1))
    assert summary.articles == 1
    assert [(p.kind, p.message) for p in summary.skipped] == [("error", "could not be read: RuntimeError: segmenter broke")]
