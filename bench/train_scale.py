"""Benchmark (not a test): how long `builder train` takes, and its peak memory, for a workspace holding N
accepted gold sentences (1,000 and 10,000 by default). Figures are printed and written to
bench/train_scale.json.

The gold sentences are news sentences of `raw/nlp-id-postag-kumparan` (MIT; 32,782 pre-tokenised
sentences, none of them in the public NER sets, so the public training data stays whole and the
training set really grows by N; those the event corpus holds are skipped). They carry no entity or
event labels, so their "gold" is what the packaged pre-labeller proposes, as if an annotator had
accepted every pre-label: time and memory depend on how many sentences, tokens and spans there are,
not on whether the labels are right. Articles are made of 20 consecutive sentences, so the held-back
slice (20 % of the articles) is drawn as in a real workspace.

Each run is `python -m builder train --workspace W --data-dir <shared>/data/ner` in a child process
under `/usr/bin/time -v` (peak RSS of that process). Needs ../shared/data; says so and stops without it.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402

from builder.core.records import Article, Sentence, Token, short_hash  # noqa: E402
from builder.core.schema import load_schema  # noqa: E402
from builder.events.corpus import read_corpus  # noqa: E402
from builder.prelabel.registry import default_prelabeller  # noqa: E402
from builder.workspace.human import ACCEPTED, AnnotationStore, FinalLabels  # noqa: E402
from builder.workspace.layout import Workspace  # noqa: E402
from builder.workspace.parts import atomic_write_table  # noqa: E402
from builder.workspace.tables import ARTICLE_SCHEMA, article_row, sentence_table  # noqa: E402
from tests.learn.conftest import as_accepted  # noqa: E402 - the tests' "annotator accepted every pre-label"

SENTENCES_PER_ARTICLE = 20
EVENT_CORPUS = ROOT / "corpora" / "id_news_events" / "events.jsonl.gz"


def kumparan_sentences(path: Path, limit: int) -> list[list[str]]:
    """The first `limit` sentences (token lists) of the kumparan file that the event corpus does not hold."""
    known = {" ".join(s.text.lower().split()) for s in read_corpus(EVENT_CORPUS)}
    out: list[list[str]] = []
    tokens: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if line.strip():
                tokens.append(line.split("\t")[0])
                continue
            if tokens and " ".join(tokens).lower() not in known:
                out.append(tokens)
                if len(out) == limit:
                    break
            tokens = []
    if len(out) < limit:
        raise SystemExit(f"{path} holds only {len(out)} usable sentences; ask for at most that many")
    return out


def build_workspace(root: Path, token_lists: list[list[str]]) -> Workspace:
    """Articles of 20 sentences each, their sentences, and final.parquet with every sentence accepted, its
    labels the packaged pre-labeller's (as a person who accepted them would leave them)."""
    ws = Workspace(root)
    articles, sentences = [], []
    for first in range(0, len(token_lists), SENTENCES_PER_ARTICLE):
        texts = [" ".join(tokens) for tokens in token_lists[first : first + SENTENCES_PER_ARTICLE]]
        body = " ".join(texts)
        article = Article(Article.make_id("kumparan", body), f"kumparan {first // SENTENCES_PER_ARTICLE}", body,
                          source="kumparan", path=f"dataset_postag.txt#{first}")
        articles.append(article)
        start = 0
        for index, (text, tokens) in enumerate(zip(texts, token_lists[first:], strict=False)):
            offsets, at = [], 0
            for token in tokens:
                at = text.index(token, at)
                offsets.append(Token(token, at, at + len(token)))
                at += len(token)
            sentences.append(Sentence(Sentence.make_id(article.id, index, text), article.id, index, 0, start, text,
                                      tuple(offsets)))
            start += len(text) + 1
    atomic_write_table(ws.articles_dir / "part-bench.parquet",
                       pa.Table.from_pylist([article_row(a) for a in articles], schema=ARTICLE_SCHEMA))
    atomic_write_table(ws.sentences_dir / "part-bench.parquet", sentence_table(sentences))
    prelabeller = default_prelabeller(load_schema())
    finals = []
    for k in range(0, len(sentences), 512):
        batch = sentences[k : k + 512]
        for sentence, labelled in zip(batch, prelabeller.label(batch), strict=True):
            finals.append(FinalLabels(sentence.id, short_hash(sentence.text), ACCEPTED, "bench", ("bench",), None,
                                      as_accepted(labelled.labels)))
    AnnotationStore.of(ws).write_final(finals)
    return ws


def run_train(ws: Workspace, data_dir: Path, report: Path) -> dict[str, Any]:
    """`builder train` in a child process under /usr/bin/time -v: wall time, peak RSS, the run report."""
    command = [sys.executable, "-m", "builder", "train", "--workspace", str(ws.root), "--data-dir", str(data_dir),
               "--json", str(report)]
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"builder train failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))  # type: ignore[union-attr]
    result = json.loads(report.read_text(encoding="utf-8"))
    return {
        "command": " ".join(["builder", *command[3:]]),
        "wall_seconds": round(wall, 1),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "gold": {k: result["gold"][k] for k in ("sentences", "train", "held_out")},
        "models": {m["kind"]: {"name": m["name"], "train_seconds": m["train_seconds"], "sentences": m["sentences"],
                               "combined_f1_before": m["before"]["combined_f1"],
                               "combined_f1_after": m["after"]["combined_f1"], "promoted": m["promoted"],
                               "current_scored": m.get("current_scored", ""),
                               "current_train_seconds": m.get("current_train_seconds")}
                   for m in result["models"]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "train_scale.json")
    args = parser.parse_args()
    kumparan = args.shared / "data" / "raw" / "nlp-id-postag-kumparan" / "dataset_postag.txt"
    data_dir = args.shared / "data" / "ner"
    if not kumparan.is_file() or not data_dir.is_dir():
        raise SystemExit(f"needs {kumparan} and {data_dir}: pass --shared pointing at the shared data")
    token_lists = kumparan_sentences(kumparan, max(args.sizes))
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sorted(args.sizes):
            started = time.perf_counter()
            ws = build_workspace(Path(tmp) / f"ws-{size}", token_lists[:size])
            print(f"{size:,} gold sentences: workspace built in {time.perf_counter() - started:.0f} s; training...",
                  flush=True)
            runs[str(size)] = run_train(ws, data_dir, Path(tmp) / f"train-{size}.json")
            print(json.dumps(runs[str(size)], indent=2), flush=True)
    results = {"what": "builder train on a workspace of N accepted gold sentences (see bench/train_scale.py)",
               "machine": f"{platform.machine()} {platform.system()}, Python {platform.python_version()}",
               "runs": runs}
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
