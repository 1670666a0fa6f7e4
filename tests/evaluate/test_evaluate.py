"""The evaluation commands on tiny hand-made gold files, with hand-computed expectations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from builder.cli.app import app
from builder.evaluate.ner import evaluate_ner, parse_label_map, sentence_from_tokens
from builder.ner.conll import DEFAULT_LABEL_MAP, read_conll
from builder.prelabel.taggers.dates import DateRule
from builder.prelabel.taggers.gazetteer import Gazetteer

DATA = Path(__file__).resolve().parents[1] / "data"
runner = CliRunner()


def test_sentence_from_tokens_keeps_gold_tokens() -> None:
    s = sentence_from_tokens(["Jl.", "Sudirman", "(", "5", ")"])
    assert s.text == "Jl. Sudirman ( 5 )"
    assert [s.text[t.start : t.end] for t in s.tokens] == ["Jl.", "Sudirman", "(", "5", ")"]


def test_evaluate_ner_golden() -> None:
    """Gazetteer + dates on the tiny file: gold LOC = Jawa Barat, Amerika Serikat, Surabaya, Papua Nugini;
    the gazetteer finds all four (Papua Nugini longest-first, not Papua); PER and ORG are never
    predicted; the DATE "Senin" is left out because the gold has no DATE."""
    gold = read_conll(DATA / "tiny_ner.conll")
    report = evaluate_ner(gold, [DateRule(), Gazetteer()])
    assert report.sentences == 3
    assert report.scores["LOC"] == {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 4}
    assert report.scores["PER"]["recall"] == 0.0 and report.scores["PER"]["support"] == 1
    assert report.scores["ORG"]["support"] == 1
    assert report.scores["micro avg"]["precision"] == 1.0
    assert report.scores["micro avg"]["recall"] == pytest.approx(4 / 6, abs=1e-4)
    assert "DATE" not in report.scores
    assert report.left_out == ["DATE (1 predicted spans): the gold file has no DATE"]


def test_cli_eval_ner_golden(tmp_path: Path) -> None:
    out = tmp_path / "ner.json"
    result = runner.invoke(app, ["eval", "ner", str(DATA / "tiny_ner.conll"), "--taggers", "date,gazetteer",
                                 "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "left out of scoring: DATE" in result.output
    assert json.loads(out.read_text())["scores"]["LOC"]["f1-score"] == 1.0


def test_cli_eval_ner_label_map_drops_a_label(tmp_path: Path) -> None:
    out = tmp_path / "ner.json"
    result = runner.invoke(app, ["eval", "ner", str(DATA / "tiny_ner.conll"), "--taggers", "gazetteer",
                                 "--map", "PLACE=O", "--json", str(out)])
    assert result.exit_code == 0, result.output
    scores = json.loads(out.read_text())["scores"]
    assert scores["LOC"]["support"] == 3  # Surabaya (PLACE) is no longer gold
    assert scores["LOC"]["precision"] == 0.75


def test_cli_eval_ner_bad_inputs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.conll"
    bad.write_text("Budi\tB-PER\nrusak\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "ner", str(bad), "--taggers", "date"])
    assert result.exit_code == 2 and "bad.conll:2: expected 'token" in result.output
    result = runner.invoke(app, ["eval", "ner", str(DATA / "tiny_ner.conll"), "--taggers", "date,crystal-ball"])
    assert result.exit_code == 2 and "choose from date, model, gazetteer" in result.output
    with pytest.raises(ValueError, match=r"--map 'PERSON': write it as GOLDNAME=OURS"):
        parse_label_map(["PERSON"], DEFAULT_LABEL_MAP)


def test_cli_eval_events_golden(tmp_path: Path) -> None:
    gold = tmp_path / "events.jsonl"
    rows = [
        {"text": "Lebih dari 2.000 orang ditangkap.", "event_types": ["Justice.Arrest-Jail"]},
        {"text": "Kerusuhan pecah, menewaskan puluhan orang.", "event_types": ["Conflict.Attack", "Life.Die"]},
        {"text": "Presiden bertemu menteri.", "event_types": []},  # predicted Contact.Meet: a false positive
        {"text": "Harga beras naik.", "event_types": ["Transaction.Transfer-Money"]},  # missed
    ]
    gold.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = tmp_path / "events.json"
    result = runner.invoke(app, ["eval", "events", str(gold), "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["exact_match"] == 0.5
    micro = report["scores"]["micro avg"]
    assert (micro["precision"], micro["recall"]) == (0.75, 0.75)  # tp 3, fp 1, fn 1
    assert report["scores"]["Contact.Meet"]["precision"] == 0.0


def test_cli_eval_events_bad_gold(tmp_path: Path) -> None:
    gold = tmp_path / "events.jsonl"
    gold.write_text('{"text": "x"}\n', encoding="utf-8")
    result = runner.invoke(app, ["eval", "events", str(gold)])
    assert result.exit_code == 2 and "events.jsonl:1: expected" in result.output


class _Scored:
    """Proposes fixed spans with scores on the sentence "Joko tiba di Jakarta ."."""

    name = "model:scored"

    def tag(self, sentences: list) -> list:  # type: ignore[type-arg]
        from builder.core.records import Span

        return [[Span(0, 4, "PER", "Joko", self.name, 0.95), Span(10, 20, "LOC", "di Jakarta", self.name, 0.6)]
                for _ in sentences]


def test_span_scores_get_a_reliability_table_and_calibration_error() -> None:
    from builder.ner.conll import TaggedSentence

    gold = [TaggedSentence(("Joko", "tiba", "di", "Jakarta", "."), ("B-PER", "O", "O", "B-LOC", "O"))]
    report = evaluate_ner(gold, [_Scored()])
    rows = {(r["from"], r["to"]): (r["predictions"], r["correct"], r["mean_score"]) for r in report.reliability}
    assert rows[(0.5, 0.7)] == (1, 0.0, 0.6)  # "di Jakarta": wrong boundary
    assert rows[(0.9, 1.0)] == (1, 1.0, 0.95)  # Joko as PER: right
    assert sum(n for n, _, _ in rows.values()) == 2
    assert report.calibration_error == round((0.6 + 0.05) / 2, 4)
    assert report.to_json()["calibration_error"] == report.calibration_error
