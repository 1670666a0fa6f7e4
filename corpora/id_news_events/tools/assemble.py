"""Assemble the released corpus from the annotation rounds: pass 2, then the consistency decisions.

Splits are by pseudo-document (`doc`), from a SHA-256 of the doc id: 70 % train, 15 % dev,
15 % test. Writes events.jsonl.gz, gzip without a timestamp so the bytes repeat (stdlib only):
    python3 assemble.py ANNOTATION_DIR OUT.jsonl.gz
"""

import gzip
import hashlib
import json
import sys
from pathlib import Path

# Decided after the consistency check (see DATA_CARD.md): an employer's contractual penalty is no Justice.Fine.
OVERRIDES = {"nlp-id-postag-kumparan-16887": []}


def split_of(doc: str) -> str:
    point = int(hashlib.sha256(doc.encode("utf-8")).hexdigest()[:8], 16) / 16**8
    return "train" if point < 0.70 else "dev" if point < 0.85 else "test"


def main(folder: Path, out: Path) -> None:
    selected = [json.loads(line) for line in open(folder / "selected.jsonl", encoding="utf-8")]
    final = {}
    for n in range(1, 5):
        for line in open(folder / f"pass2/chunk_{n}.jsonl", encoding="utf-8"):
            record = json.loads(line)
            final[record["id"]] = record
    for n in (1, 2):
        for line in open(folder / f"consistency/decisions_{n}.jsonl", encoding="utf-8"):
            decision = json.loads(line)
            if decision["decision"] == "change":
                final[decision["id"]]["events"] = decision["events"]
    for sid, events in OVERRIDES.items():
        final[sid]["events"] = events
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as packed:
        for record in selected:
            labels = final[record["id"]]
            events = sorted(({k: e[k] for k in ("type", "trigger", "start", "end")} for e in labels["events"]),
                            key=lambda e: (e["start"], e["type"]))
            row = {"id": record["id"], "source": record["source"], "index": record["index"],
                   "doc": record["doc"], "split": split_of(record["doc"]), "text": record["text"], "events": events}
            if labels.get("note"):
                row["note"] = labels["note"]
            packed.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
