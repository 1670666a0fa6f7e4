"""`builder eval ...`: measure the segmenter and the pre-labels against reference data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from builder.cli.common import console, fail

eval_app = typer.Typer(help="Measure the pipeline against reference data.", no_args_is_help=True)

TAGGER_NAMES = ("date", "model", "gazetteer")
DEFAULT_TAGGERS = ("date", "model")  # builder.prelabel.registry.DEFAULT_ENTITY_TAGGERS, without loading the taggers


def _print_scores(title: str, first_column: str, scores: dict[str, dict[str, float]]) -> None:
    """A precision/recall/F1/support table, one row per label."""
    metrics = ("precision", "recall", "f1-score", "support")
    table = Table(title=title)
    for column in (first_column, *metrics):
        table.add_column(column)
    for label, values in scores.items():
        table.add_row(label, *(str(values[m]) for m in metrics))
    console.print(table)


@eval_app.command("segments")
def eval_segments(
    reference: Annotated[
        Path, typer.Argument(help="IndoSum directory (dev.*.jsonl) or one JSONL file with `paragraphs`.")
    ] = Path("../shared/data/raw/indosum-dev"),
    examples: Annotated[int, typer.Option(help="How many disagreements to show.")] = 10,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the figures here as JSON.")] = None,
) -> None:
    """Sentence-boundary precision/recall/F1 against IndoSum's paragraphs → sentences → tokens."""
    from builder.evaluate.segments import evaluate_segments

    if not reference.exists():
        raise fail(f"[red]{reference} does not exist.[/red] Point it at IndoSum JSONL "
                   "(the shared reference data lives in ../shared/data/raw/indosum-dev).", 2)
    figures, score = evaluate_segments(reference, max_examples=examples)
    table = Table(title="Sentence boundaries inside paragraphs", show_header=False)
    for name, value in figures.items():
        table.add_row(name, str(value))
    console.print(table)
    for example in score.examples:
        console.print(f"{example['kind']}: {example['context']}", highlight=False, markup=False)
    if json_out is not None:
        json_out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


@eval_app.command("ner")
def eval_ner(
    gold: Annotated[Path, typer.Argument(help="CoNLL/BIO file: token first, tag last, tab- or space-separated.")],
    map_: Annotated[list[str], typer.Option("--map", help="Rename gold labels: PERSON=PER, TIME=DATE, EVT=O.")]
    = [],  # noqa: B006 - typer reads the default
    taggers: Annotated[str, typer.Option(help=f"Comma-separated, in priority order, from {', '.join(TAGGER_NAMES)} "
                                              "(default: what `builder prelabel` uses).")]
    = ",".join(DEFAULT_TAGGERS),
    model: Annotated[Path | None, typer.Option(help="CRF model file (default: the packaged one).")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the report here as JSON.")] = None,
) -> None:
    """Strict (seqeval, IOB2) per-label and micro F1 of the entity pre-labels on a gold CoNLL file."""
    from builder.evaluate.ner import evaluate_ner, parse_label_map
    from builder.ner.conll import DEFAULT_LABEL_MAP, read_conll
    from builder.prelabel.options import TaggerOptions
    from builder.prelabel.registry import entity_taggers

    if not gold.is_file():
        raise fail(f"[red]{gold} is not a file.[/red] Give a CoNLL/BIO file.", 2)
    try:
        chosen = entity_taggers([n.strip() for n in taggers.split(",") if n.strip()], TaggerOptions(model_path=model))
    except ValueError as error:
        raise fail(f"[red]--taggers {taggers!r}[/red]: {error}", 2) from None
    try:
        sentences = read_conll(gold, label_map=parse_label_map(map_, DEFAULT_LABEL_MAP))
    except ValueError as error:
        raise fail(f"[red]{error}[/red]", 2) from None
    report = evaluate_ner(sentences, chosen)
    _print_scores(f"NER on {gold} ({report.sentences:,} sentences, strict IOB2)", "label", report.scores)
    for note in report.left_out:
        console.print(f"left out of scoring: {note}", highlight=False)
    if any(row["predictions"] for row in report.reliability):
        _print_reliability("Reliability: share of scored spans exactly right, by score", "spans",
                           report.reliability)
        console.print(f"expected calibration error: {report.calibration_error}", highlight=False)
    if json_out is not None:
        json_out.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")


def _print_reliability(title: str, what: str, rows: list[dict[str, float]]) -> None:
    """A reliability table: per score bin, how many predictions, how many right, their mean score."""
    table = Table(title=title)
    for column in ("score from", "to", what, "right", "mean score"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row["from"]), str(row["to"]), str(row["predictions"]), str(row["correct"]),
                      str(row["mean_score"]))
    console.print(table)


@eval_app.command("events")
def eval_events(
    gold: Annotated[Path, typer.Argument(help='JSONL: {"text": ..., "event_types": [...]} per line.')],
    event_model: Annotated[Path | None, typer.Option(help="Event model .json (default: the packaged one).")] = None,
    lexicon: Annotated[Path | None, typer.Option(help="Score this trigger lexicon TOML instead of the model.")]
    = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the report here as JSON.")] = None,
) -> None:
    """Per-type and micro precision/recall/F1 of sentence event types on a gold JSONL file, the commonest
    confusions, and how reliable the scores are."""
    from builder.core.schema import load_schema
    from builder.evaluate.events import evaluate_events, read_event_gold
    from builder.prelabel.options import TaggerOptions
    from builder.prelabel.registry import event_tagger

    if not gold.is_file():
        raise fail(f"[red]{gold} is not a file.[/red] Give a JSONL file of sentences with event_types.", 2)
    try:
        records = read_event_gold(gold)
        tagger = event_tagger(TaggerOptions(lexicon_path=lexicon, event_model_path=event_model), load_schema())
    except (ValueError, FileNotFoundError) as error:
        raise fail(f"[red]{error}[/red]", 2) from None
    report = evaluate_events(records, tagger)
    _print_scores(f"Event types on {gold} ({report.sentences:,} sentences, {tagger.name})", "event type",
                  report.scores)
    console.print(f"exact set match: {report.exact_match}")
    confusions = Table(title="Commonest confusions (gold type missed, another predicted in the same sentence)")
    for column in ("gold type", "predicted instead", "sentences"):
        confusions.add_column(column)
    for missed, instead, count in report.confusions:
        confusions.add_row(missed, instead, str(count))
    console.print(confusions)
    _print_reliability("Reliability: share of proposed types that are right, by score", "proposed",
                       report.reliability)
    if json_out is not None:
        data = {"tagger": tagger.name, "sentences": report.sentences, "exact_match": report.exact_match,
                "scores": report.scores, "reliability": report.reliability, "confusions": report.confusions}
        json_out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


@eval_app.command("pages")
def eval_pages(
    folder: Annotated[Path, typer.Argument(help="Folder of labelled pages with an expected.jsonl "
                                                "(e.g. tests/data/pages).")],
    show: Annotated[int, typer.Option(help="How many page-level misses to list.")] = 20,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the figures here as JSON.")] = None,
) -> None:
    """The cleaner on real labelled pages, per outlet: title and author exactly right, time to the minute
    with its offset, boilerplate lines leaking into the text, body lines kept, articles lost."""
    from builder.evaluate.pages import evaluate_pages, read_expected

    if not folder.is_dir():
        raise fail(f"[red]{folder} is not a folder.[/red] Give a folder of pages with an expected.jsonl.", 2)
    try:
        pages = read_expected(folder)
    except ValueError as error:
        raise fail(f"[red]{error}[/red]", 2) from None
    report = evaluate_pages(folder, pages)
    table = Table(title=f"Cleaner on {len(pages)} labelled pages in {folder}")
    for column in ("outlet", "pages", "title exact", "author exact", "time (minute+offset)",
                   "boilerplate leaked", "body lines kept", "articles lost"):
        table.add_column(column)
    rows = list(report.by_outlet().items()) + [("total", report.total())]
    for name, f in rows:
        share = f"{f.kept}/{f.body_lines} ({100 * f.kept / max(1, f.body_lines):.0f} %)"
        table.add_row(name, str(f.pages), f"{f.title}/{f.pages}", f"{f.author}/{f.pages}", f"{f.time}/{f.pages}",
                      f"{f.leaked}/{f.boilerplate_lines}", share, str(f.lost))
    console.print(table)
    misses = [r for r in report.results
              if r.lost or not (r.title_ok and r.author_ok and r.time_ok) or r.leaked or r.kept < len(r.page.must_contain)]
    for r in misses[:show]:
        if r.lost:
            console.print(f"{r.page.file}: lost ({r.lost})", highlight=False, markup=False)
            continue
        wrong = [f"title {r.got_title!r}" for _ in [0] if not r.title_ok]
        wrong += [f"author {r.got_author!r} (expected {r.page.author!r})" for _ in [0] if not r.author_ok]
        wrong += [f"time {r.got_published!r} (expected {r.page.published})" for _ in [0] if not r.time_ok]
        wrong += [f"{r.leaked} boilerplate line(s) kept" for _ in [0] if r.leaked]
        wrong += [f"{len(r.page.must_contain) - r.kept} body line(s) lost" for _ in [0]
                  if r.kept < len(r.page.must_contain)]
        console.print(f"{r.page.file}: " + "; ".join(wrong), highlight=False, markup=False)
    if json_out is not None:
        json_out.write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _events_corpus() -> Path:
    """The team's event corpus in the repository checkout the tool is installed from."""
    return Path(__file__).resolve().parents[2] / "corpora" / "id_news_events" / "events.jsonl.gz"


def _int_list(text: str, option: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise fail(f"[red]{option} {text!r}[/red]: give whole numbers separated by commas, e.g. 100,200,400,800",
                   2) from None


@eval_app.command("learning-curve")
def eval_learning_curve(
    tasks: Annotated[str, typer.Option(help="Comma-separated: ner, events.")] = "ner,events",
    sizes: Annotated[str, typer.Option(help="Cumulative corrected sentences after each batch.")] = "100,200,400,800",
    seeds: Annotated[int, typer.Option(min=1, help="How many seeds of the random order (0, 1, ...).")] = 3,
    data_dir: Annotated[Path, typer.Option(help="Folder with the public NER sets (../shared/data/ner).")]
    = Path("../shared/data/ner"),
    ner_start: Annotated[str, typer.Option(
        help="transfer: the model starts trained on the other shippable sets and corrections come from "
             "idner-news-2k train; seed: no model before the first (random) batch.")] = "transfer",
    crf_iterations: Annotated[int, typer.Option(min=1, help="L-BFGS iterations per CRF retraining.")] = 50,
    events_corpus: Annotated[Path, typer.Option(help="The event corpus (train split is the pool).")]
    = _events_corpus(),
    events_test: Annotated[str, typer.Option(help="The event corpus split scored after each batch: test or dev.")]
    = "test",
    decay: Annotated[float, typer.Option(help="The queue's per-article discount (builder.prelabel.ranking).")]
    = 0.5,
    out: Annotated[Path, typer.Option(help="Folder for learning_curve.json and learning_curve.png.")]
    = Path("bench/learning_curve"),
) -> None:
    """Simulated annotators: gold corrections arrive in batches, the model is retrained after each and scored on
    a fixed test set; random order (several seeds) against the ranked queue. Writes JSON and a PNG plot."""
    import time

    from builder.core.schema import load_schema
    from builder.evaluate.learning import (
        Curve,
        curves_json,
        dumps,
        event_curve,
        ner_curve,
        plot_curves,
    )
    from builder.events.corpus import CorpusError, read_corpus
    from builder.events.lexicon import load_lexicon

    chosen = [t.strip() for t in tasks.split(",") if t.strip()]
    unknown = sorted(set(chosen) - {"ner", "events"})
    if unknown or not chosen:
        raise fail(f"[red]--tasks {tasks!r}[/red]: give ner, events or both", 2)
    batch_sizes = _int_list(sizes, "--sizes")
    seed_list = list(range(seeds))
    if "ner" in chosen and not data_dir.is_dir():
        raise fail(f"[red]{data_dir} is not a directory.[/red] Point --data-dir at the public NER sets "
                   "(../shared/data/ner), or leave NER out with --tasks events.", 2)
    try:
        import matplotlib  # noqa: F401 - the plot needs it
        import sklearn  # noqa: F401 - the event model's training needs it
    except ImportError as error:
        raise fail(f"[red]the learning curve needs {error.name}[/red]; install the training and report extras.",
                   2) from None

    def say(line: str) -> None:
        console.print(line, highlight=False, markup=False)

    curves: list[Curve] = []
    started = time.perf_counter()
    try:
        if "ner" in chosen:
            curves.append(ner_curve(data_dir, batch_sizes, seed_list, start=ner_start, crf_iterations=crf_iterations,
                                    decay=decay, progress=say))
        if "events" in chosen:
            corpus = read_corpus(events_corpus, frozenset(load_schema().event_labels))
            curves.append(event_curve(corpus, load_lexicon(), batch_sizes, seed_list, test_split=events_test,
                                      decay=decay, progress=say))
    except (ValueError, FileNotFoundError, CorpusError) as error:
        raise fail(f"[red]{error}[/red]", 2) from None
    settings = {"command": "builder eval learning-curve", "tasks": chosen, "sizes": batch_sizes, "seeds": seed_list,
                "ner_start": ner_start, "crf_iterations": crf_iterations,
                "crf_iterations_shipped_model": 200,
                "events_corpus": str(events_corpus), "events_test": events_test, "decay": decay,
                "wall_seconds": time.perf_counter() - started}
    out.mkdir(parents=True, exist_ok=True)
    json_path, png_path = out / "learning_curve.json", out / "learning_curve.png"
    json_path.write_text(dumps(curves_json(curves, settings)), encoding="utf-8")
    plot_curves(curves, png_path)
    for curve in curves:
        summary = curve.summary()
        table = Table(title=f"Learning curve: {curve.task} (micro F1 on the fixed test set; pool "
                            f"{curve.pool_size:,} sentences)")
        for column in ("corrected", "random mean", "random min-max", "ranked mean", "ranked - random",
                       "tokens random / ranked"):
            table.add_column(column)
        if curve.start is not None:
            table.add_row("0 (start)", f"{curve.start.f1:.4f}", "", f"{curve.start.f1:.4f}", "", "")
        for rand, rank in zip(summary["random"], summary["ranked"], strict=True):
            table.add_row(str(rand["size"]), f"{rand['mean_f1']:.4f}", f"{rand['min_f1']:.4f}-{rand['max_f1']:.4f}",
                          f"{rank['mean_f1']:.4f}" + (f" (n={rank['runs']})" if rank["runs"] > 1 else ""),
                          f"{rank['mean_f1'] - rand['mean_f1']:+.4f}",
                          f"{rand['mean_tokens']:,.0f} / {rank['mean_tokens']:,.0f}")
        console.print(table)
        reach = summary["reach"]
        if reach["ranked_sentences"] is None:
            say(f"{curve.task}: the ranked queue does not reach random's final F1 {reach['target_f1']:.4f} "
                f"within {reach['random_sentences']} sentences")
        else:
            say(f"{curve.task}: the ranked queue reaches random's final F1 {reach['target_f1']:.4f} at "
                f"{reach['ranked_sentences']:.0f} corrected sentences instead of {reach['random_sentences']} "
                f"({100 * reach['saved_fraction']:.1f} % fewer; linear interpolation between points)")
        if reach["random_first_reaches"] < reach["random_sentences"]:
            say(f"{curve.task}: but the random order's own mean curve first reaches that F1 at "
                f"{reach['random_first_reaches']:.0f} sentences (it is not rising monotonically)")
        if reach["ranked_tokens"] is not None:
            say(f"{curve.task}: in tokens, {reach['ranked_tokens']:,.0f} instead of {reach['random_tokens']:,.0f} "
                f"({100 * reach['saved_tokens_fraction']:.1f} % fewer)")
    say(f"wrote {json_path} and {png_path} in {settings['wall_seconds']:.0f} s")
