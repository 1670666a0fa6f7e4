"""Versioned Hugging Face releases: Parquet per split, a dataset card, a manifest and CHANGES.md.

Rows are gold (a person's accepted labels) or silver (pre-labels only). Splits are by
article, from a hash of the article id, with near-duplicate articles kept together.
The same inputs give byte-identical Parquet files; an existing version is never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from builder.model import Sentence, Span, short_hash
from builder.schema import Schema
from builder.spans import spans_to_tags
from builder.store import Workspace

SPLITS = ("train", "validation", "test")
_VERSION = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
GOLD, SILVER = "gold", "silver"
_SKETCH = 32  # bottom-k sketch size for near-duplicate detection
_SHINGLE = 5  # words per shingle
NEAR_DUPLICATE_JACCARD = 0.5


class ReleaseError(ValueError):
    """A release cannot be made as asked; the message says why and what to do."""


@dataclass(frozen=True)
class ReleaseOptions:
    """What to release and how; validated on creation."""

    name: str
    version: str
    releases_dir: Path = Path("releases")
    include_silver: bool = True
    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
    license: str = "other"
    pretty_name: str = ""
    conll: bool = False  # also write conll/<split>.conll inside the release

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}", self.name):
            raise ReleaseError(f"release name {self.name!r}: use letters, digits, '.', '_' or '-'")
        if not _VERSION.fullmatch(self.version):
            raise ReleaseError(f"version {self.version!r} is not X.Y.Z (e.g. 1.0.0); or use --bump")
        if len(self.ratios) != 3 or any(r < 0 for r in self.ratios) or abs(sum(self.ratios) - 1) > 1e-6:
            raise ReleaseError(f"split ratios {self.ratios} must be three non-negative numbers that sum to 1")

    @property
    def target(self) -> Path:
        """Where this version goes."""
        return self.releases_dir / self.name / self.version


def existing_versions(releases_dir: Path, name: str) -> list[str]:
    """Released versions of a dataset, oldest first."""
    folder = releases_dir / name
    found = [p.name for p in folder.iterdir() if p.is_dir() and _VERSION.fullmatch(p.name)] if folder.is_dir() else []
    return sorted(found, key=lambda v: tuple(int(x) for x in v.split(".")))


def bump(releases_dir: Path, name: str, part: str) -> str:
    """The next version after the latest one (0.0.0 when there is none)."""
    versions = existing_versions(releases_dir, name)
    major, minor, patch = (int(x) for x in (versions[-1] if versions else "0.0.0").split("."))
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    if part == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise ReleaseError(f"--bump {part!r}: use major, minor or patch")


def release_features(schema: Schema):  # type: ignore[no-untyped-def]
    """The declared `datasets.Features` of every release of this schema."""
    from datasets import ClassLabel, Features, Sequence, Value

    span = {"start": Value("int32"), "end": Value("int32"), "label": Value("string"), "text": Value("string"),
            "source": Value("string")}
    return Features({
        "id": Value("string"), "article_id": Value("string"), "sentence_index": Value("int32"),
        "text": Value("string"), "tokens": Sequence(Value("string")),
        "ner_tags": Sequence(ClassLabel(names=list(schema.ner_tags))),
        "entities": [span],
        "event_types": Sequence(ClassLabel(names=list(schema.event_labels))),
        "triggers": [span],
        "status": Value("string"), "annotator_count": Value("int32"), "agreement": Value("float32"),
        "prelabeller": Value("string"),
        "title": Value("string"), "source": Value("string"), "url": Value("string"), "published_at": Value("string"),
    })


# --- splits ---------------------------------------------------------------------------

def _hash64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big")


def sketch(body: str) -> tuple[int, ...]:
    """Bottom-k hashes of the body's word shingles, skipping the first words (the dateline)."""
    words = re.findall(r"\w+", body.lower())[6:]
    shingles = {" ".join(words[i : i + _SHINGLE]) for i in range(max(1, len(words) - _SHINGLE + 1))}
    return tuple(sorted(_hash64(s) for s in shingles)[:_SKETCH])


def _jaccard(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    union = sorted(set(a) | set(b))[:_SKETCH]
    both = set(a) & set(b)
    return sum(1 for h in union if h in both) / len(union) if union else 0.0


def near_duplicate_groups(sketches: Mapping[str, tuple[int, ...]]) -> dict[str, str]:
    """Article id → the smallest id of its near-duplicate group (estimated Jaccard ≥ 0.5)."""
    parent = {a: a for a in sketches}

    def find(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    by_hash: dict[int, list[str]] = defaultdict(list)
    for article_id, hashes in sketches.items():
        for h in hashes:
            by_hash[h].append(article_id)
    checked: set[tuple[str, str]] = set()
    for ids in by_hash.values():
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                pair = (min(a, b), max(a, b))
                if pair in checked:
                    continue
                checked.add(pair)
                if _jaccard(sketches[a], sketches[b]) >= NEAR_DUPLICATE_JACCARD:
                    ra, rb = find(a), find(b)
                    parent[max(ra, rb)] = min(ra, rb)
    return {a: find(a) for a in sketches}


def split_of(group_id: str, ratios: tuple[float, float, float]) -> str:
    """The split of an article group, from a hash of its id: stable when articles are added."""
    point = _hash64(group_id) / 2**64
    if point < ratios[0]:
        return "train"
    return "validation" if point < ratios[0] + ratios[1] else "test"


# --- rows -----------------------------------------------------------------------------

@dataclass
class Labels:
    """The labels a row is released with."""

    status: str
    entities: tuple[Span, ...]
    triggers: tuple[Span, ...]
    event_types: tuple[str, ...]
    annotator_count: int = 0
    agreement: float | None = None


@dataclass
class ReleaseInputs:
    """Everything a release is made of, read from the workspace."""

    articles: dict[str, dict[str, Any]]
    sentences: list[Sentence]
    prelabels: dict[str, Labels]
    gold: dict[str, Labels]
    excluded: dict[str, str]  # sentence id → why it is left out (flags)
    prelabeller: str
    snapshots: list[str]


def _span_dict(span: Span) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "label": span.label, "text": span.text, "source": span.source}


def build_rows(inputs: ReleaseInputs, schema: Schema, options: ReleaseOptions,
               groups: Mapping[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Rows per split, sorted by article and position; BIO tags are checked against the spans."""
    tag_index = {t: i for i, t in enumerate(schema.ner_tags)}
    event_index = {t: i for i, t in enumerate(schema.event_labels)}
    rows: dict[str, list[dict[str, Any]]] = {s: [] for s in SPLITS}
    for sentence in sorted(inputs.sentences, key=lambda s: (s.article_id, s.index)):
        if sentence.id in inputs.excluded:
            continue
        labels = inputs.gold.get(sentence.id)
        if labels is None and options.include_silver:
            labels = inputs.prelabels.get(sentence.id)
        if labels is None:
            continue
        where = f"sentence {sentence.id}"
        for span in (*labels.entities, *labels.triggers):
            span.check(sentence.text, where)
        unknown = [s.label for s in labels.entities if s.label not in schema.entity_labels]
        unknown += [e for e in labels.event_types if e not in event_index]
        if unknown:
            raise ReleaseError(f"{where}: labels {unknown} are not in schema {schema.name!r}")
        tags = spans_to_tags(sentence.tokens, labels.entities, where)
        article = inputs.articles[sentence.article_id]
        rows[split_of(groups[sentence.article_id], options.ratios)].append({
            "id": sentence.id, "article_id": sentence.article_id, "sentence_index": sentence.index,
            "text": sentence.text, "tokens": [t.text for t in sentence.tokens],
            "ner_tags": [tag_index[t] for t in tags],
            "entities": [_span_dict(s) for s in labels.entities],
            "event_types": sorted(event_index[e] for e in set(labels.event_types)),
            "triggers": [_span_dict(s) for s in labels.triggers],
            "status": labels.status, "annotator_count": labels.annotator_count, "agreement": labels.agreement,
            "prelabeller": inputs.prelabeller if labels.status == SILVER else "",
            "title": article["title"], "source": article["source"], "url": article["url"],
            "published_at": article["published_at"],
        })
    return rows


# --- writing --------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_parquet(rows: list[dict[str, Any]], path: Path, features: Any) -> None:
    """One split as Parquet with the Hugging Face features in its metadata; deterministic bytes."""
    schema = features.arrow_schema
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, path, compression="zstd", row_group_size=10_000, write_statistics=False)


@dataclass
class ReleaseResult:
    """What a release wrote."""

    path: Path
    counts: dict[str, Any] = field(default_factory=dict)
    previous: str | None = None


def _status_counts(rows: Iterable[dict[str, Any]]) -> Counter[str]:
    return Counter(r["status"] for r in rows)


def make_release(inputs: ReleaseInputs, schema: Schema, options: ReleaseOptions, *,
                 card_template: str, quality: Mapping[str, Any] | None = None,
                 agreement: Mapping[str, Any] | None = None) -> ReleaseResult:
    """Write a new release directory atomically; refuse a version that exists."""
    target = options.target
    if target.exists():
        raise ReleaseError(f"{target} exists: releases are never overwritten; choose a new --version or --bump")
    previous_versions = existing_versions(options.releases_dir, options.name)
    previous = previous_versions[-1] if previous_versions else None
    sketches = {aid: sketch(a["body"]) for aid, a in inputs.articles.items()}
    groups = near_duplicate_groups(sketches)
    rows = build_rows(inputs, schema, options, groups)
    if not any(rows.values()):
        raise ReleaseError("nothing to release: no sentence has gold labels"
                           + ("" if options.include_silver else " (and --gold-only leaves out silver ones)")
                           + "; run `builder prelabel` and/or `builder pull` first")
    features = release_features(schema)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{options.version}-", dir=target.parent))
    try:
        (staging / "data").mkdir()
        files: dict[str, str] = {}
        split_info: dict[str, dict[str, int]] = {}
        for split in SPLITS:
            if not rows[split]:
                continue
            relative = f"data/{split}-00000-of-00001.parquet"
            write_parquet(rows[split], staging / relative, features)
            files[relative] = _sha256(staging / relative)
            split_info[split] = {"num_examples": len(rows[split]), "num_bytes": (staging / relative).stat().st_size}
        if options.conll:
            from builder.publish import export_conll

            for path in export_conll(staging, staging / "conll", list(schema.ner_tags)):
                files[str(path.relative_to(staging))] = _sha256(path)
        near_dups = {g for a, g in groups.items() if a != g}
        counts = _counts(rows, schema, groups, near_dups)
        previous_rows = _read_release_rows(options.releases_dir / options.name / previous) if previous else None
        changes = changes_markdown(previous, previous_rows, rows, schema)
        (staging / "CHANGES.md").write_text(changes, encoding="utf-8")
        manifest = {
            "name": options.name, "version": options.version, "previous": previous,
            "schema": {"name": schema.name, "version": schema.version, "ner_tags": list(schema.ner_tags),
                       "event_types": list(schema.event_labels)},
            "options": {"include_silver": options.include_silver, "ratios": list(options.ratios),
                        "license": options.license},
            "prelabeller": inputs.prelabeller, "snapshots": inputs.snapshots,
            "counts": counts, "files": files, "excluded_sentences": len(inputs.excluded),
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
        card = render_card(card_template, options, schema, features, split_info, counts, previous,
                           inputs.prelabeller, quality or {}, agreement or {}, rows)
        (staging / "README.md").write_text(card, encoding="utf-8")
        if target.exists():
            raise ReleaseError(f"{target} appeared while writing; nothing was changed")
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ReleaseResult(target, counts, previous)


def _counts(rows: Mapping[str, list[dict[str, Any]]], schema: Schema, groups: Mapping[str, str],
            near_dups: set[str]) -> dict[str, Any]:
    splits = {}
    for split, items in rows.items():
        if not items:
            continue
        splits[split] = {
            "sentences": len(items), "articles": len({r["article_id"] for r in items}),
            "tokens": sum(len(r["tokens"]) for r in items), **dict(_status_counts(items)),
        }
    every = [r for items in rows.values() for r in items]
    entity_counts: dict[str, dict[str, int]] = {label: {GOLD: 0, SILVER: 0} for label in schema.entity_labels}
    for r in every:
        for span in r["entities"]:
            entity_counts[span["label"]][r["status"]] += 1
    event_counts = Counter(schema.event_labels[i] for r in every for i in r["event_types"])
    grouped = Counter(groups.values())
    return {
        "splits": splits, "status": dict(_status_counts(every)), "entities": entity_counts,
        "events": {e: event_counts.get(e, 0) for e in schema.event_labels},
        "near_duplicate_groups": sum(1 for g in near_dups if grouped[g] > 1),
        "articles_in_near_duplicate_groups": sum(n for g, n in grouped.items() if n > 1),
    }


def _read_release_rows(path: Path) -> dict[str, dict[str, Any]]:
    """A released version's rows by id, with their split."""
    out = {}
    for part in sorted((path / "data").glob("*.parquet")):
        split = part.name.split("-", 1)[0]
        for r in pq.read_table(part, columns=["id", "ner_tags", "event_types", "status"]).to_pylist():
            out[r["id"]] = {**r, "split": split}
    return out


def changes_markdown(previous: str | None, before: Mapping[str, dict[str, Any]] | None,
                     rows: Mapping[str, list[dict[str, Any]]], schema: Schema) -> str:
    """What changed since the previous version: added, removed, relabelled, gold/silver and split moves."""
    now = {r["id"]: {**r, "split": split} for split, items in rows.items() for r in items}
    if previous is None or before is None:
        return f"# Changes\n\nFirst release: {len(now):,} sentences.\n"
    added = sorted(set(now) - set(before))
    removed = sorted(set(before) - set(now))
    relabelled: Counter[str] = Counter()
    moves: Counter[str] = Counter()
    split_moves = 0
    changed = 0
    for sid in sorted(set(now) & set(before)):
        old, new = before[sid], now[sid]
        if old["status"] != new["status"]:
            moves[f"{old['status']} → {new['status']}"] += 1
        if old["split"] != new["split"]:
            split_moves += 1
        if list(old["ner_tags"]) != list(new["ner_tags"]) or sorted(old["event_types"]) != sorted(new["event_types"]):
            changed += 1
            old_tags = Counter(schema.ner_tags[t][2:] for t in old["ner_tags"] if schema.ner_tags[t].startswith("B-"))
            new_tags = Counter(schema.ner_tags[t][2:] for t in new["ner_tags"] if schema.ner_tags[t].startswith("B-"))
            for label in set(old_tags) | set(new_tags):
                if old_tags[label] != new_tags[label]:
                    relabelled[label] += 1
            for e in set(old["event_types"]) ^ set(new["event_types"]):
                relabelled[schema.event_labels[e]] += 1
    lines = [f"# Changes since {previous}", "",
             f"- sentences added: {len(added):,}", f"- sentences removed: {len(removed):,}",
             f"- sentences relabelled: {changed:,}", f"- sentences that moved split: {split_moves:,}"]
    for move, count in sorted(moves.items()):
        lines.append(f"- {move}: {count:,}")
    if relabelled:
        lines += ["", "Relabelled sentences per label (a sentence counts once per label whose spans or event "
                  "type changed):", "", "| label | sentences |", "|---|---|"]
        lines += [f"| {label} | {count:,} |" for label, count in sorted(relabelled.items())]
    return "\n".join(lines) + "\n"


def render_card(template: str, options: ReleaseOptions, schema: Schema, features: Any,
                split_info: Mapping[str, Mapping[str, int]], counts: Mapping[str, Any], previous: str | None,
                prelabeller: str, quality: Mapping[str, Any], agreement: Mapping[str, Any],
                rows: Mapping[str, list[dict[str, Any]]]) -> str:
    """The dataset card: the Hub's YAML header, then the template filled with real numbers."""
    import yaml
    from datasets import DatasetInfo, SplitDict, SplitInfo

    info = DatasetInfo(features=features)
    info.splits = SplitDict()
    for split, values in split_info.items():
        info.splits.add(SplitInfo(name=split, num_bytes=values["num_bytes"], num_examples=values["num_examples"]))
    header = {
        "pretty_name": options.pretty_name or options.name,
        "language": ["id"],
        "license": options.license,
        "task_categories": ["token-classification", "text-classification"],
        "task_ids": ["named-entity-recognition", "multi-label-classification"],
        "configs": [{"config_name": "default",
                     "data_files": [{"split": s, "path": f"data/{s}-*.parquet"} for s in split_info]}],
        "dataset_info": info._to_yaml_dict(),
    }

    def table(head: Sequence[str], body: Iterable[Sequence[Any]]) -> str:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
        return "\n".join(lines)

    splits = counts["splits"]
    status = counts["status"]
    sources = Counter(r["source"] or "(unknown)" for items in rows.values() for r in items)
    values = {
        "pretty_name": options.pretty_name or options.name,
        "version": options.version,
        "previous_note": f" (previous: {previous}; see CHANGES.md)" if previous else "",
        "load_path": f"releases/{options.name}/{options.version}",
        "status_table": table(("status", "sentences"), [(GOLD, status.get(GOLD, 0)), (SILVER, status.get(SILVER, 0))]),
        "prelabellers": "\n".join(f"- `{v}`" for v in prelabeller.split(", ") if v) or "- (none)",
        "quality_section": _quality_table(quality, table),
        "agreement_section": _agreement_text(agreement, table),
        "split_table": table(("split", "sentences", "articles", "tokens", "gold", "silver"),
                             [(s, v["sentences"], v["articles"], v["tokens"], v.get(GOLD, 0), v.get(SILVER, 0))
                              for s, v in splits.items()]),
        "label_table": table(("label", "description", "gold spans", "silver spans"),
                             [(d.label, d.description, counts["entities"][d.label][GOLD],
                               counts["entities"][d.label][SILVER]) for d in schema.entities]),
        "event_table": table(("event type", "description", "sentences"),
                             [(d.label, d.description, counts["events"][d.label]) for d in schema.events]),
        "sources_table": table(("source", "sentences"), sorted(sources.items())),
        "license": options.license,
        "near_duplicates_note": (f"; this version has {counts['near_duplicate_groups']} such groups "
                                 f"({counts['articles_in_near_duplicate_groups']} articles)"),
    }
    body = Template(template).safe_substitute(values)
    return "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n\n" + body


def _quality_table(quality: Mapping[str, Any], table: Any) -> str:
    ner = quality.get("ner") or {}
    if not ner:
        return "No sentence has both gold labels and pre-labels yet, so this is not measured."
    lines = table(("label", "precision", "recall", "F1", "gold spans"),
                  [(k, v["precision"], v["recall"], v["f1-score"], v["support"]) for k, v in ner.items()])
    events = quality.get("events")
    if events:
        lines += (f"\n\nEvent types (micro, over {quality.get('sentences', 0)} gold sentences): precision "
                  f"{events['precision']}, recall {events['recall']}, F1 {events['f1-score']}.")
    return lines


def _agreement_text(agreement: Mapping[str, Any], table: Any) -> str:
    if not agreement or not agreement.get("sentences_compared"):
        return "No sentence was labelled by more than one annotator yet."
    rows = [(label, f1, "pairwise span F1") for label, f1 in agreement.get("entity_f1", {}).items()]
    rows += [(label, a if a is not None else "undefined (no variation)", "Krippendorff's alpha")
             for label, a in agreement.get("event_alpha", {}).items()]
    return (f"Over {agreement['sentences_compared']} sentences labelled by two or more people:\n\n"
            + table(("label", "agreement", "measure"), rows))


def sentence_hash_ok(sentence: Sentence, text_hash: str) -> bool:
    """Whether labels made for `text_hash` still belong to this sentence's text."""
    return short_hash(sentence.text) == text_hash


def load_inputs(workspace: Workspace, *, prelabels_dir: Path | None) -> ReleaseInputs:
    """Read articles, sentences, pre-labels and merged human labels from the workspace."""
    from annotation.merge import ACCEPTED
    from annotation.store import AnnotationStore
    from builder.prelabel.apply import iter_prelabels

    articles: dict[str, dict[str, Any]] = {}
    columns = ["id", "title", "body", "source", "url", "published_at"]
    for batch in workspace.iter_parquet(workspace.articles_dir, columns=columns):
        for r in batch.to_pylist():
            articles[r["id"]] = r
    sentences = list(workspace.iter_sentences())
    prelabels: dict[str, Labels] = {}
    prelabeller = ""
    if prelabels_dir is not None:
        meta = prelabels_dir / "prelabeller.json"
        if meta.exists():
            prelabeller = ", ".join(json.loads(meta.read_text(encoding="utf-8"))["versions"])
        for labels in iter_prelabels(prelabels_dir):
            prelabels[labels.sentence_id] = Labels(SILVER, labels.entities, labels.triggers,
                                                   tuple(e.label for e in labels.events))
    store = AnnotationStore.of(workspace)
    by_id = {s.id: s for s in sentences}
    gold: dict[str, Labels] = {}
    for final in store.iter_final():
        sentence = by_id.get(final.sentence_id)
        if final.status != ACCEPTED or sentence is None:
            continue
        if not sentence_hash_ok(sentence, final.text_hash):
            raise ReleaseError(f"sentence {final.sentence_id}: its labels were made for other text "
                               f"(hash {final.text_hash}); pull again")
        gold[final.sentence_id] = Labels(GOLD, final.entities, final.triggers, final.event_types,
                                         len(final.annotators), final.agreement)
    excluded = {a.sentence_id: ", ".join(a.flags) for a in store.read_annotations() if a.flags and not a.skipped}
    snapshots = sorted(p.name for p in store.snapshots.glob("*.json")) if store.snapshots.is_dir() else []
    return ReleaseInputs(articles, sentences, prelabels, gold, excluded, prelabeller, snapshots)


def prelabel_quality(inputs: ReleaseInputs, schema: Schema) -> dict[str, Any]:
    """Strict seqeval scores of the pre-labels against gold, on sentences that have both."""
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    both = [s for s in inputs.sentences if s.id in inputs.gold and s.id in inputs.prelabels]
    if not both:
        return {}
    gold_tags = [spans_to_tags(s.tokens, inputs.gold[s.id].entities, s.id) for s in both]
    pred_tags = [spans_to_tags(s.tokens, inputs.prelabels[s.id].entities, s.id) for s in both]
    report = classification_report(gold_tags, pred_tags, mode="strict", scheme=IOB2, output_dict=True,
                                   zero_division=0)
    ner = {k: {m: round(float(v), 4) if m != "support" else int(v) for m, v in report[k].items()}
           for k in (*schema.entity_labels, "micro avg") if k in report}
    tp = fp = fn = 0
    for s in both:
        truth, guess = set(inputs.gold[s.id].event_types), set(inputs.prelabels[s.id].event_types)
        tp, fp, fn = tp + len(truth & guess), fp + len(guess - truth), fn + len(truth - guess)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    events = {"precision": round(p, 4), "recall": round(r, 4), "f1-score": round(2 * p * r / (p + r), 4) if p + r else 0.0}
    return {"sentences": len(both), "ner": ner, "events": events}
