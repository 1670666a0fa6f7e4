"""Benchmark (not a test): pre-labelling throughput on real news, with figures as JSON.

Builds plain-text pages from ../shared/data/raw/indosum-dev (3,463 unique articles,
detokenised), then times our pipeline: ingest (clean + segment + Parquet), model load,
and pre-labelling. Prints sentences/s and tokens/s; writes bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from builder.eval_segments import detokenize, indosum_articles
from builder.pipeline import ingest
from builder.prelabel.apply import prelabel_workspace
from builder.prelabel.default import default_prelabeller
from builder.schema import load_schema
from builder.store import Workspace


def build_corpus(source: Path, out: Path, limit: int | None) -> int:
    """One .txt page per IndoSum article: a title line, then detokenised paragraphs."""
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for article in indosum_articles(sorted(source.glob("*.jsonl"))):
        paragraphs = [detokenize(p)[0] for p in article["paragraphs"] if p]
        title = article["id"].split("-", 1)[-1].replace("-", " ").capitalize()
        (out / f"{article['id'][:80]}.txt").write_text(title + "\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
        count += 1
        if limit and count >= limit:
            break
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--limit", type=int, default=None, help="Use only the first N articles.")
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    args = parser.parse_args()
    source = args.shared / "data" / "raw" / "indosum-dev"
    if not source.is_dir():
        print(f"{source} is not there: the benchmark needs ../shared/data (see ../shared/data/README.md). "
              "Nothing was measured.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        articles = build_corpus(source, corpus, args.limit)
        ws = Workspace(Path(tmp) / "ws")
        started = time.perf_counter()
        summary = ingest([corpus], workspace=ws)
        ingest_seconds = time.perf_counter() - started
        started = time.perf_counter()
        default_prelabeller(load_schema())
        load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        labelled = prelabel_workspace(ws, partial(default_prelabeller, load_schema()), workers=1)
        prelabel_seconds = time.perf_counter() - started
    figures = {
        "machine": {"python": platform.python_version(), "processor": platform.processor() or platform.machine()},
        "articles": articles, "ingested_articles": summary.articles, "skipped": len(summary.skipped),
        "sentences": summary.sentences, "tokens": summary.tokens,
        "ingest_seconds": round(ingest_seconds, 2),
        "ingest_tokens_per_second": round(summary.tokens / ingest_seconds),
        "prelabeller_load_seconds": round(load_seconds, 2),
        "prelabel_seconds": round(prelabel_seconds, 2),
        "prelabel_sentences_per_second": round(labelled.sentences / prelabel_seconds),
        "prelabel_tokens_per_second": round(labelled.tokens / prelabel_seconds),
        "end_to_end_tokens_per_second": round(summary.tokens / (ingest_seconds + load_seconds + prelabel_seconds)),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    for key, value in figures.items():
        print(f"{key:32} {value}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
