"""`builder eval learning-curve` on tiny generated data laid out like the public NER sets and the event corpus:
the command writes JSON and a PNG, and the points it reports are the ones retraining gives."""

from __future__ import annotations

import gzip
import json
import random
import statistics
from pathlib import Path

import pytest
from typer.testing import CliRunner

from builder.cli.app import app
from builder.core.schema import load_schema
from builder.evaluate.learning import (
    EventTask,
    NerTask,
    check_sizes,
    load_ner_data,
    sentences_to_reach,
)
from builder.events.corpus import read_corpus
from builder.events.lexicon import load_lexicon
from builder.ner.conll import read_conll
from builder.ner.train import CrfParams
from builder.prelabel.ranking import sentence_uncertainty

DATA = Path(__file__).resolve().parents[1] / "data"
runner = CliRunner()

FIRST = ["Joko", "Budi", "Siti", "Ahmad", "Dewi", "Rudi", "Andi", "Rina", "Agus", "Wati", "Hendra", "Yusuf"]
LAST = ["Widodo", "Santoso", "Rahayu", "Hidayat", "Lestari", "Saputra", "Nugroho", "Wijaya"]
PLACES = ["Surabaya", "Bandung", "Medan", "Jawa Barat", "Papua", "Makassar", "Bali", "Jakarta Selatan"]
ORGS = ["BMKG", "Kementerian Keuangan", "Polda Metro Jaya", "Bank Indonesia", "KPK", "Pertamina"]


def _ner_sentence(rng: random.Random) -> list[tuple[str, str]]:
    def entity(text: str, label: str) -> list[tuple[str, str]]:
        words = text.split()
        return [(w, ("B-" if k == 0 else "I-") + label) for k, w in enumerate(words)]

    person = entity(f"{rng.choice(FIRST)} {rng.choice(LAST)}", "PERSON")
    place = entity(rng.choice(PLACES), "LOCATION")
    org = entity(rng.choice(ORGS), "ORGANIZATION")
    o = [(w, "O") for w in rng.choice(["mengunjungi", "bertemu warga di", "tiba di", "berbicara di"]).split()]
    shapes = [
        [("Presiden", "O"), *person, *o, *place, (".", "O")],
        [*org, ("mencatat", "O"), ("gempa", "O"), ("di", "O"), *place, (".", "O")],
        [("Menurut", "O"), *person, (",", "O"), *org, ("bekerja", "O"), ("di", "O"), *place, (".", "O")],
        [("Warga", "O"), *place, *o, *person, ("hari", "O"), ("ini", "O"), (".", "O")],
    ]
    return rng.choice(shapes)


def _write_conll(path: Path, sentences: list[list[tuple[str, str]]], *, with_pos: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for sentence in sentences:
        for token, tag in sentence:
            short = tag.replace("PERSON", "PER").replace("ORGANIZATION", "ORG").replace("LOCATION", "LOC")
            lines.append(f"{token} X {short}" if with_pos else f"{token}\t{tag}")
        lines.append("")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def make_ner_data(root: Path) -> Path:
    """The folders and files of builder.ner.train.CORPORA, a few dozen generated sentences each, and the three
    sentences of tests/data/tiny_ner.conll in the target's train file."""
    rng = random.Random(7)
    tiny = [list(zip(s.tokens, [t.replace("PER", "PERSON").replace("LOC", "LOCATION").replace("ORG", "ORGANIZATION")
                                for t in s.tags], strict=True)) for s in read_conll(DATA / "tiny_ner.conll")]
    _write_conll(root / "idner-news-2k" / "train.txt", tiny + [_ner_sentence(rng) for _ in range(60)], with_pos=True)
    _write_conll(root / "idner-news-2k" / "dev.txt", [_ner_sentence(rng) for _ in range(25)], with_pos=True)
    for folder, files in (("indolem-nerui", ("nergithub.txt",)),
                          ("indonlu-nergrit", ("train_preprocess.txt", "valid_preprocess.txt", "test_preprocess.txt")),
                          ("indolem-nerugm", ("nerugm.txt",))):
        for name in files:
            _write_conll(root / folder / name, [_ner_sentence(rng) for _ in range(8)], with_pos=False)
    return root


EVENT_TEMPLATES = [
    ("{p} bertemu {q} di {l} pada Senin.", "bertemu", "Contact.Meet"),
    ("{p} ditangkap polisi di {l} kemarin.", "ditangkap", "Justice.Arrest-Jail"),
    ("Dua warga {l} tewas dalam kecelakaan itu.", "tewas", "Life.Die"),
    ("{p} menikah dengan {q} di {l}.", "menikah", "Life.Marry"),
    ("{p} menemukan dompet di jalan raya {l}.", None, None),
    ("Harga beras naik lagi di {l} pekan ini.", None, None),
]


def make_event_corpus(path: Path) -> Path:
    """A corpus JSONL (gzipped) with train and test splits, four sentences per document."""
    rng = random.Random(3)
    records = []
    for k in range(80):
        text, trigger, event_type = rng.choice(EVENT_TEMPLATES)
        text = text.format(p=rng.choice(FIRST), q=rng.choice(FIRST), l=rng.choice(PLACES))
        events = []
        if trigger is not None:
            start = text.index(trigger)
            events.append({"type": event_type, "start": start, "end": start + len(trigger), "trigger": trigger})
        split = "train" if k < 56 else "test"
        records.append({"id": f"s{k}", "source": "test", "doc": f"d{k // 4}", "split": split, "text": text,
                        "events": events})
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in records)
    return path


def test_sentences_to_reach_interpolates_the_first_crossing() -> None:
    curve = [(0, 0.4), (100, 0.5), (200, 0.7), (400, 0.65), (800, 0.9)]
    assert sentences_to_reach(curve, 0.6) == pytest.approx(150.0)
    assert sentences_to_reach(curve, 0.8) == pytest.approx(400 + 0.15 / 0.25 * 400)
    assert sentences_to_reach(curve, 0.3) == 0.0
    assert sentences_to_reach(curve, 0.95) is None


def test_check_sizes_rejects_bad_batches() -> None:
    assert check_sizes([10, 20], 20, "ner") == (10, 20)
    for bad in ([], [20, 10], [0, 5], [10, 10]):
        with pytest.raises(ValueError, match="batch size"):
            check_sizes(bad, 100, "ner")
    with pytest.raises(ValueError, match="larger than the ner pool"):
        check_sizes([10, 200], 100, "ner")


def test_ner_data_keeps_test_sentences_out_of_pool_and_base(tmp_path: Path) -> None:
    data = load_ner_data(make_ner_data(tmp_path / "ner"))
    test = {e.sentence.tokens for e in data.test}
    assert not test & {e.sentence.tokens for e in data.pool}
    assert not test & {e.sentence.tokens for e in data.base}
    assert not {e.sentence.tokens for e in data.pool} & {e.sentence.tokens for e in data.base}
    assert {e.corpus for e in data.base} == {"indolem-nerui", "indonlu-nergrit", "indolem-nerugm"}
    assert load_ner_data(tmp_path / "ner", start="seed").base == []


def test_cli_learning_curve_writes_the_points_it_computed(tmp_path: Path) -> None:
    ner_dir = make_ner_data(tmp_path / "ner")
    corpus = make_event_corpus(tmp_path / "events.jsonl.gz")
    out = tmp_path / "out"
    result = runner.invoke(app, ["eval", "learning-curve", "--data-dir", str(ner_dir), "--events-corpus", str(corpus),
                                 "--sizes", "8,32", "--seeds", "2", "--crf-iterations", "15", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Learning curve: ner" in result.output and "Learning curve: events" in result.output
    assert (out / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = json.loads((out / "learning_curve.json").read_text())
    ner, events = report["tasks"]["ner"], report["tasks"]["events"]

    # NER starts from a model trained on the other sets: random for both seeds, the queue once.
    assert [(r["order"], r["seed"]) for r in ner["runs"]] == [("random", 0), ("random", 1), ("ranked", 0)]
    assert ner["start"]["size"] == 0
    # Events have no model before the first batch: the queue runs per seed, its first batch is the random one.
    assert [(r["order"], r["seed"]) for r in events["runs"]] == [("random", 0), ("random", 1), ("ranked", 0),
                                                                   ("ranked", 1)]
    for run in (*ner["runs"], *events["runs"]):
        assert [p["size"] for p in run["points"]] == [8, 32]
        assert len(run["selected"]) == 32 == len(set(run["selected"]))
    for seed in (0, 1):
        assert events["runs"][2 + seed]["selected"][:8] == events["runs"][seed]["selected"][:8]
        assert events["runs"][2 + seed]["points"][0]["f1"] == events["runs"][seed]["points"][0]["f1"]

    # The points are what retraining on the recorded sentences gives.
    data = load_ner_data(ner_dir)
    task = NerTask(data, CrfParams(max_iterations=15), tmp_path)
    start = task.start()
    assert start is not None
    assert task.score(start)["f1"] == pytest.approx(ner["start"]["f1"], abs=1e-9)
    run = ner["runs"][1]
    assert task.score(task.train(run["selected"]))["f1"] == pytest.approx(run["points"][1]["f1"], abs=1e-9)
    assert run["points"][1]["tokens"] == sum(len(data.pool[i].sentence.tokens) for i in run["selected"])
    # The queue's first batch is the 8 pool sentences the start model is least sure of.
    tagged = start.predict([list(e.sentence.tokens) for e in data.pool])
    uncertainty = [sentence_uncertainty(t.scores) for t in tagged]
    first = set(ner["runs"][2]["selected"][:8])
    assert min(uncertainty[i] for i in first) >= max(u for i, u in enumerate(uncertainty) if i not in first)
    assert ner["runs"][2]["selected"][:8] != ner["runs"][0]["selected"][:8]

    sentences = read_corpus(corpus, frozenset(load_schema().event_labels))
    event_task = EventTask([s for s in sentences if s.split == "train"], [s for s in sentences if s.split == "test"],
                           load_lexicon())
    run = events["runs"][3]
    assert event_task.score(event_task.train(run["selected"]))["f1"] == pytest.approx(run["points"][1]["f1"],
                                                                                       abs=1e-9)

    # The summary is the mean over the runs; the reach is the interpolation of the queue's mean curve.
    for curve in (ner, events):
        for order in ("random", "ranked"):
            runs = [r for r in curve["runs"] if r["order"] == order]
            for k, row in enumerate(curve["summary"][order]):
                assert row["mean_f1"] == pytest.approx(statistics.fmean(r["points"][k]["f1"] for r in runs))
        reach = curve["summary"]["reach"]
        assert reach["target_f1"] == curve["summary"]["random"][-1]["mean_f1"]
        ranked_curve = ([(0, curve["start"]["f1"])] if curve["start"] else []) + [
            (row["size"], row["mean_f1"]) for row in curve["summary"]["ranked"]]
        assert reach["ranked_sentences"] == sentences_to_reach(ranked_curve, reach["target_f1"])
        assert reach["random_first_reaches"] <= 32
    assert report["seconds"]["ner"]["train_wall"] > 0


def test_cli_learning_curve_bad_input_is_one_line(tmp_path: Path) -> None:
    corpus = make_event_corpus(tmp_path / "events.jsonl.gz")
    result = runner.invoke(app, ["eval", "learning-curve", "--tasks", "events", "--events-corpus", str(corpus),
                                 "--sizes", "10,100", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "larger than the events pool (56 sentences)" in result.output
    result = runner.invoke(app, ["eval", "learning-curve", "--tasks", "ner", "--data-dir", str(tmp_path / "none"),
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "is not a directory" in result.output
    assert not (tmp_path / "out").exists()


def test_cli_learning_curve_ner_from_a_seed_batch(tmp_path: Path) -> None:
    """`--ner-start seed`: no model before the first batch, so the queue runs per seed from that seed's batch."""
    ner_dir = make_ner_data(tmp_path / "ner")
    out = tmp_path / "out"
    result = runner.invoke(app, ["eval", "learning-curve", "--tasks", "ner", "--data-dir", str(ner_dir),
                                 "--ner-start", "seed", "--sizes", "10,30", "--seeds", "2", "--crf-iterations", "10",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    ner = json.loads((out / "learning_curve.json").read_text())["tasks"]["ner"]
    assert ner["start"] is None and ner["settings"]["base_sentences"] == 0
    runs = {(r["order"], r["seed"]): r for r in ner["runs"]}
    assert sorted(runs) == [("random", 0), ("random", 1), ("ranked", 0), ("ranked", 1)]
    for seed in (0, 1):
        assert runs[("ranked", seed)]["selected"][:10] == runs[("random", seed)]["selected"][:10]
        assert runs[("ranked", seed)]["selected"][10:] != runs[("random", seed)]["selected"][10:]
    result = runner.invoke(app, ["eval", "learning-curve", "--tasks", "ner", "--data-dir", str(ner_dir),
                                 "--ner-start", "cold", "--out", str(out)])
    assert result.exit_code == 2 and "NER start 'cold'" in result.output
