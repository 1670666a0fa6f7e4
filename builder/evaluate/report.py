"""`builder report`: one static HTML page about the annotation work, with plots (matplotlib, inline SVG).

Progress over time, label and event distributions in the merged labels, per-annotator throughput and
agreement, pre-label precision/recall against the merged (gold) labels by source and label, and the open
disagreements with links into Label Studio. Everything is read from the workspace; nothing is fetched.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path

from annotation.client import load_project
from builder.core.labels import LabelSet
from builder.core.metrics import prf
from builder.workspace.human import (
    ACCEPTED,
    REVIEW,
    Annotation,
    AnnotationStore,
    FinalLabels,
)
from builder.workspace.layout import Workspace
from builder.workspace.parts import atomic_write

REPORT_FILE = "report.html"


@dataclass(frozen=True)
class Disagreement:
    """A sentence waiting for review, with its task in Label Studio when known."""

    sentence_id: str
    reason: str
    annotators: tuple[str, ...]
    link: str | None


@dataclass
class ReportData:
    """The figures the page shows."""

    sentences: int = 0
    prelabelled: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    progress: list[tuple[datetime, int]] = field(default_factory=list)  # (time, annotations so far)
    entity_counts: Counter[str] = field(default_factory=Counter)
    event_counts: Counter[str] = field(default_factory=Counter)
    per_annotator: dict[str, dict[str, float]] = field(default_factory=dict)
    # (kind, source, label) -> precision/recall/f1 and counts, pre-labels against accepted labels
    prelabel_scores: dict[tuple[str, str, str], dict[str, float]] = field(default_factory=dict)
    disagreements: list[Disagreement] = field(default_factory=list)


def _when(stamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def _per_annotator(annotations: Iterable[Annotation], finals: Mapping[str, FinalLabels]) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    agreements: dict[str, list[float]] = defaultdict(list)
    for a in annotations:
        row = rows.setdefault(a.annotator, {"annotated": 0, "skipped": 0})
        row["skipped" if a.skipped else "annotated"] += 1
        final = finals.get(a.sentence_id)
        if final is not None and final.agreement is not None:
            agreements[a.annotator].append(final.agreement)
    for who, row in rows.items():
        values = agreements.get(who)
        row["agreement"] = round(sum(values) / len(values), 4) if values else float("nan")
    return dict(sorted(rows.items()))


def _keyed(kind: str, labels: LabelSet) -> list[tuple[tuple[object, ...], str, str]]:
    """(match key, source, label) of every span (entities) or event type (events) of a label set."""
    if kind == "entities":
        return [((s.start, s.end, s.label), s.source, s.label) for s in labels.entities]
    return [((e.label,), e.source or "unknown", e.label) for e in labels.events]


def _prelabel_scores(gold: Mapping[str, LabelSet], prelabels: Mapping[str, LabelSet]) -> dict:
    """Precision/recall of each pre-label source on each label it produces, against the accepted labels.

    Recall of (source, label) counts the gold items of that label the source found; a source is scored
    only on the labels it produces at least once."""
    pairs = [(labels, prelabels[sid]) for sid, labels in gold.items() if sid in prelabels]
    counts: dict[tuple[str, str, str], list[int]] = {}
    for kind in ("entities", "events"):
        produced = {(source, label) for _, guess in pairs for _, source, label in _keyed(kind, guess)}
        for truth_labels, guess in pairs:
            truth = {key: label for key, _, label in _keyed(kind, truth_labels)}
            found: set[tuple[str, tuple[object, ...]]] = set()
            for key, source, label in _keyed(kind, guess):
                row = counts.setdefault((kind, source, label), [0, 0, 0])
                hit = key in truth
                row[0 if hit else 1] += 1
                if hit:
                    found.add((source, key))
            for source, label in produced:
                missed = sum(1 for key, gold_label in truth.items() if gold_label == label and (source, key) not in found)
                if missed:
                    counts.setdefault((kind, source, label), [0, 0, 0])[2] += missed
    return {key: {**prf(tp, fp, fn), "tp": tp, "fp": fp, "fn": fn} for key, (tp, fp, fn) in sorted(counts.items())}


def collect(workspace: Workspace) -> ReportData:
    """The report's figures from the workspace (sentences, pre-labels, human labels, the project)."""
    store = AnnotationStore.of(workspace)
    annotations = store.read_annotations()
    finals = {f.sentence_id: f for f in store.iter_final()}
    data = ReportData(sentences=sum(1 for _ in workspace.iter_sentences()))
    folder = workspace.latest_prelabels()
    prelabels = {item.sentence_id: item.labels for item in workspace.iter_prelabels(folder)} if folder else {}
    data.prelabelled = len(prelabels)
    data.statuses = Counter(f.status for f in finals.values())
    times = sorted(t for t in (_when(a.updated_at) for a in annotations) if t is not None)
    data.progress = [(t, i + 1) for i, t in enumerate(times)]
    accepted = {sid: f.labels for sid, f in finals.items() if f.status == ACCEPTED}
    for labels in accepted.values():
        data.entity_counts.update(s.label for s in labels.entities)
        data.event_counts.update(labels.event_types)
    data.per_annotator = _per_annotator(annotations, finals)
    data.prelabel_scores = _prelabel_scores(accepted, prelabels)
    project = load_project(workspace)
    tasks = {a.sentence_id: a.task_id for a in annotations}
    for f in finals.values():
        if f.status != REVIEW:
            continue
        link = None
        if project is not None and f.sentence_id in tasks:
            link = f"{project.url}/projects/{project.project_id}/data?task={tasks[f.sentence_id]}"
        data.disagreements.append(Disagreement(f.sentence_id, f.reason, f.annotators, link))
    return data


def _svg(figure: object) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")  # type: ignore[attr-defined]
    import matplotlib.pyplot as plt

    plt.close(figure)  # type: ignore[arg-type]
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _bar(counts: Mapping[str, float], title: str, xlabel: str) -> str:
    import matplotlib.pyplot as plt

    names = list(counts)
    figure, axes = plt.subplots(figsize=(7, max(1.5, 0.28 * len(names) + 0.8)))
    axes.barh(names[::-1], [counts[n] for n in names][::-1], color="#3182bd")
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    return _svg(figure)


def plots(data: ReportData) -> dict[str, str]:
    """Inline SVG plots by name; a plot with no data is left out."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9})
    out: dict[str, str] = {}
    if data.progress:
        figure, axes = plt.subplots(figsize=(7, 2.6))
        axes.step([t for t, _ in data.progress], [n for _, n in data.progress], where="post", color="#31a354")
        axes.set_title("Annotations submitted over time")
        axes.set_ylabel("annotations")
        figure.autofmt_xdate()
        out["progress"] = _svg(figure)
    if data.entity_counts:
        out["entities"] = _bar(dict(data.entity_counts.most_common()), "Entity labels (accepted sentences)", "spans")
    if data.event_counts:
        out["events"] = _bar(dict(data.event_counts.most_common()), "Event types (accepted sentences)", "sentences")
    if data.per_annotator:
        out["annotators"] = _bar({who: row["annotated"] for who, row in data.per_annotator.items()},
                                 "Annotations per annotator", "annotated tasks")
    entity_f1 = {f"{source} {label}": row["f1-score"] for (kind, source, label), row in data.prelabel_scores.items()
                 if kind == "entities"}
    if entity_f1:
        out["prelabels"] = _bar(entity_f1, "Pre-label F1 against accepted labels, by source and label", "F1")
    return out


def _table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render(data: ReportData, title: str) -> str:
    """The whole page: figures, plots and tables; no scripts, no external files."""
    svgs = plots(data)
    accepted = data.statuses.get(ACCEPTED, 0)
    done = sum(data.statuses.values())
    summary = _table(("sentences", "pre-labelled", "with human labels", "accepted", "in review", "skipped"),
                     [(data.sentences, data.prelabelled, done, accepted, data.statuses.get(REVIEW, 0),
                       data.statuses.get("skipped", 0))])
    annotators = _table(("annotator", "annotated", "skipped", "mean agreement"),
                        [(who, int(r["annotated"]), int(r["skipped"]),
                          "n/a" if r["agreement"] != r["agreement"] else f"{r['agreement']:.2f}")
                         for who, r in data.per_annotator.items()])
    scores = _table(("kind", "source", "label", "precision", "recall", "F1", "tp", "fp", "fn"),
                    [(k, s, lab, f"{r['precision']:.2f}", f"{r['recall']:.2f}", f"{r['f1-score']:.2f}", r["tp"], r["fp"],
                      r["fn"]) for (k, s, lab), r in data.prelabel_scores.items()])
    items = "".join(
        f"<li>{escape(d.sentence_id)}: {escape(d.reason)} ({escape(', '.join(d.annotators))})"
        + (f' <a href="{escape(d.link)}">open in Label Studio</a>' if d.link else "") + "</li>"
        for d in data.disagreements)
    disagreements = f"<ul>{items}</ul>" if items else "<p>No open disagreements.</p>"

    def section(name: str, heading: str, extra: str = "") -> str:
        plot = svgs.get(name, "<p class='empty'>No data yet.</p>")
        return f"<section id='{name}'><h2>{escape(heading)}</h2>{plot}{extra}</section>"

    style = ("body{font-family:sans-serif;max-width:60em;margin:1em auto;color:#222}"
             "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;"
             "text-align:left}.empty{color:#888}svg{max-width:100%;height:auto}")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{style}</style></head><body><h1>{escape(title)}</h1>{summary}"
            + section("progress", "Progress")
            + section("entities", "Entity labels")
            + section("events", "Event types")
            + section("annotators", "Annotators", annotators)
            + section("prelabels", "Pre-label quality against accepted labels", scores)
            + f"<section id='disagreements'><h2>Open disagreements</h2>{disagreements}</section>"
            + "</body></html>\n")


def write_report(workspace: Workspace, path: Path | None = None) -> Path:
    """Write the report page (default: `<workspace>/report.html`) and return its path."""
    target = path or workspace.root / REPORT_FILE
    atomic_write(target, render(collect(workspace), f"Annotation report: {workspace.root.name}"))
    return target
