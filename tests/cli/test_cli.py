"""The command line, run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from builder.cli.app import app
from builder.workspace.human import AnnotationStore
from builder.workspace.layout import Workspace

runner = CliRunner()


def test_cli_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "status", "eval"):
        assert command in result.output


def test_cli_ingest_and_status(examples_dir: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["ingest", str(examples_dir), "--workspace", str(ws)])
    assert result.exit_code == 0, result.output
    assert "articles" in result.output and "sentences" in result.output
    assert "wrote" in result.output
    status = runner.invoke(app, ["status", "--workspace", str(ws)])
    assert status.exit_code == 0
    assert Workspace(ws).count_articles() == 6
    assert "6" in status.output


def test_cli_ingest_with_prelabel(examples_dir: Path, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    result = runner.invoke(app, ["ingest", str(examples_dir), "-w", ws, "--prelabel", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "Pre-labels" in result.output and "sentences labelled" in result.output
    after = runner.invoke(app, ["prelabel", "-w", ws])
    assert after.exit_code == 0, after.output
    assert "nothing new" in after.output  # the ingest pass already pre-labelled all 65 sentences


def test_cli_ingest_only_bad_input_fails(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    result = runner.invoke(app, ["ingest", str(tmp_path / "empty.txt"), "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == 1
    assert "the file is empty" in result.output


def test_cli_missing_path(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope"), "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == 2
    assert "No such file or directory" in result.output


def test_cli_status_without_workspace(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "--workspace", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "builder ingest" in result.output


@pytest.fixture
def indosum_like(tmp_path: Path) -> Path:
    """Two tiny articles in IndoSum's format: paragraphs → sentences → tokens."""
    articles = [
        {"id": "a", "paragraphs": [[["Ia", "datang", "."], ["Lalu", "pergi", "ke", "Jl.", "Sudirman", "."]],
                                   [["\"", "Ya", ",", "\"", "katanya", "."]]]},
        # the reference splits after "Rp." where we do not: one false negative
        {"id": "b", "paragraphs": [[["Harga", "naik", "Rp."], ["5.000", "per", "kg", "."], ["Itu", "mahal", "."]]]},
        {"id": "a", "paragraphs": [[["Duplikat", "."]]]},
    ]
    path = tmp_path / "dev.01.jsonl"
    path.write_text("\n".join(json.dumps(a) for a in articles), encoding="utf-8")
    return path


def test_cli_eval_segments(indosum_like: Path, tmp_path: Path) -> None:
    out = tmp_path / "fig.json"
    result = runner.invoke(app, ["eval", "segments", str(indosum_like), "--json", str(out)])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert figures["articles"] == 2
    assert (figures["true_positives"], figures["false_positives"], figures["false_negatives"]) == (2, 0, 1)
    assert figures["precision"] == 1.0
    assert figures["recall"] == pytest.approx(0.6667, abs=1e-4)
    assert "false_negative" in result.output


def test_cli_eval_segments_without_reference(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "segments", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_cli_show(examples_dir: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    runner.invoke(app, ["ingest", str(examples_dir / "okezone-kazakhstan.txt"), "--workspace", str(ws)])
    result = runner.invoke(app, ["show", "--workspace", str(ws), "--limit", "2", "--tokens"])
    assert result.exit_code == 0, result.output
    assert "ALMATY – Kerusuhan pecah" in result.output
    assert "Kamis | ( | 6 | / | 1 | / | 2022 | ) | ." in result.output
    missing = runner.invoke(app, ["show", "--workspace", str(ws), "--article", "nope"])
    assert missing.exit_code == 1 and "No sentences" in missing.output


def test_cli_release_flow(examples_dir: Path, tmp_path: Path) -> None:
    """ingest → prelabel (with the packaged model) → release twice → refused third time."""
    ws, releases = str(tmp_path / "ws"), str(tmp_path / "releases")
    assert runner.invoke(app, ["ingest", str(examples_dir), "-w", ws]).exit_code == 0
    result = runner.invoke(app, ["prelabel", "-w", ws])
    assert result.exit_code == 0, result.output
    assert "model:id_news.ner.crf.v2" in result.output
    again = runner.invoke(app, ["prelabel", "-w", ws])
    assert "sentences labelled" in again.output and "nothing new" in again.output
    first = runner.invoke(app, ["release", "-w", ws, "--releases-dir", releases, "--bump", "minor"])
    assert first.exit_code == 0, first.output
    assert "datasets.load_dataset(" in first.output and "0.1.0" in first.output
    refused = runner.invoke(app, ["release", "-w", ws, "--releases-dir", releases, "--version", "0.1.0"])
    assert refused.exit_code == 1 and "releases are never overwritten" in refused.output
    both = runner.invoke(app, ["release", "-w", ws, "--releases-dir", releases, "--version", "1.0.0", "--bump", "minor"])
    assert both.exit_code == 2 and "exactly one of --version" in both.output
    bad = runner.invoke(app, ["release", "-w", ws, "--releases-dir", releases, "--bump", "minor", "--export", "csv"])
    assert bad.exit_code == 2 and "export format(s) ['csv']" in bad.output
    second = runner.invoke(app, ["release", "-w", ws, "--releases-dir", releases, "--bump", "minor", "--conll",
                                 "--export", "jsonl", "--repo-id", "org/id-news"])
    assert second.exit_code == 0, second.output
    path = Path(releases) / "id_news" / "0.2.0"
    assert (path / "exports" / "conll").is_dir() and (path / "exports" / "jsonl" / "train.jsonl").is_file()
    exported = runner.invoke(app, ["export", str(path), "--format", "docbin", "--out", str(tmp_path / "out"),
                                   "--gold-only"])
    assert exported.exit_code == 0, exported.output
    assert list((tmp_path / "out" / "spacy").rglob("*.spacy"))
    published = runner.invoke(app, ["publish", str(path), "--repo-id", "org/id-news", "--dry-run"])
    assert published.exit_code == 0, published.output
    assert "dry run: would publish" in published.output and "tag v0.2.0" in published.output
    not_release = runner.invoke(app, ["publish", str(tmp_path), "--repo-id", "org/x", "--dry-run"])
    assert not_release.exit_code == 1 and "is not a release" in not_release.output


def test_cli_push_to_file_and_pull_from_file(examples_dir: Path, tmp_path: Path) -> None:
    """The file round trip: tasks for a manual import, and an export a user downloaded."""
    ws = str(tmp_path / "ws")
    runner.invoke(app, ["ingest", str(examples_dir / "okezone-kazakhstan.txt"), "-w", ws])
    runner.invoke(app, ["prelabel", "-w", ws, "--workers", "1"])
    tasks_file = tmp_path / "tasks.json"
    pushed = runner.invoke(app, ["push", "-w", ws, "--to-file", str(tasks_file)])
    assert pushed.exit_code == 0, pushed.output
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    assert len(tasks) == 23 and all(t["predictions"][0]["result"] for t in tasks[:1])
    assert {"sentence_id", "text", "title", "prev", "next"} <= set(tasks[0]["data"])

    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps([{"id": 1, "data": {"image": "x.png"}, "annotations": []}]), encoding="utf-8")
    refused = runner.invoke(app, ["pull", "-w", ws, "--from-file", str(foreign)])
    assert refused.exit_code == 1 and "no data.sentence_id/data.text" in refused.output
    assert "Nothing in the workspace's annotations was changed" in refused.output
    assert not (tmp_path / "ws" / "labelstudio" / "snapshots").exists()

    first = tasks[4]
    export = [{"id": 7, "data": first["data"], "drafts": [], "annotations": [
        {"id": 1, "completed_by": 1, "result": first["predictions"][0]["result"], "was_cancelled": False,
         "updated_at": "2026-01-01T00:00:00Z"}]}]
    download = tmp_path / "export.json"
    download.write_text(json.dumps(export), encoding="utf-8")
    pulled = runner.invoke(app, ["pull", "-w", ws, "--from-file", str(download)])
    assert pulled.exit_code == 0, pulled.output
    finals = list(AnnotationStore.of(Workspace(tmp_path / "ws")).iter_final())
    assert [(f.sentence_id, f.status) for f in finals] == [(first["data"]["sentence_id"], "accepted")]
    status = runner.invoke(app, ["status", "-w", ws])
    assert status.exit_code == 0 and "annotator 1" in status.output
    snapshots = list((tmp_path / "ws" / "labelstudio" / "snapshots").iterdir())
    assert len(snapshots) == 1 and snapshots[0].read_bytes() == download.read_bytes()


def test_cli_notices_name_the_file(tmp_path: Path) -> None:
    page = tmp_path / "windows.txt"
    page.write_bytes("Judul\n\nJAKARTA – Presiden “meresmikan” jembatan baru di kota itu pada hari Senin.\n".encode("cp1252"))
    result = runner.invoke(app, ["ingest", str(page), "--workspace", str(tmp_path / "ws"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert f"decoded_cp1252 {page}: not UTF-8" in result.output


def test_max_chars_default_is_the_readers() -> None:
    """The CLI writes the default down so it need not import the reader; it must stay the reader's."""
    from builder.cli.ingest import MAX_CHARS
    from builder.ingest.read import DEFAULT_MAX_CHARS

    assert MAX_CHARS == DEFAULT_MAX_CHARS


def test_commands_other_than_the_label_studio_ones_do_not_import_its_client() -> None:
    """`builder release` and the rest start without the Label Studio SDK (start-up time counts in the bench)."""
    import subprocess
    import sys

    code = "import sys, builder.cli.app; print('annotation.client' in sys.modules, 'builder.ingest.read' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
