"""`builder release`, `builder export` and `builder publish`: versioned Hugging Face releases of the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from builder.cli.common import WorkspaceOption, console, err, fail
from builder.workspace.layout import Workspace


def release(
    workspace: WorkspaceOption = Path("workspace"),
    version: Annotated[str | None, typer.Option(help="The version to write, X.Y.Z.")] = None,
    bump_part: Annotated[str | None, typer.Option("--bump", help="Or: next major, minor or patch version.")] = None,
    name: Annotated[str | None, typer.Option(help="Dataset name (default: the schema's name).")] = None,
    releases_dir: Annotated[Path, typer.Option(help="Where releases/<name>/<version>/ go.")] = Path("releases"),
    gold_only: Annotated[bool, typer.Option("--gold-only", help="Leave out silver (machine-only) rows.")] = False,
    ratios: Annotated[str, typer.Option(help="train,validation,test shares of articles.")] = "0.8,0.1,0.1",
    resplit: Annotated[bool, typer.Option("--resplit", help="Forget the pinned splits of the previous release "
                                          "(every move is listed in CHANGES.md).")] = False,
    license_: Annotated[str, typer.Option("--license", help="Hub licence id (e.g. cc-by-4.0), or other.")] = "other",
    license_name: Annotated[str, typer.Option(help="The licence's name when --license is other.")] = "news-publishers-terms",
    export: Annotated[list[str] | None, typer.Option(help="Also write an export: jsonl, docbin or conll (repeat).")] = None,
    conll: Annotated[bool, typer.Option(help="Same as --export conll.")] = False,
    exports_gold_only: Annotated[bool, typer.Option("--exports-gold-only", help="Exports hold gold rows only.")] = False,
    repo_id: Annotated[str, typer.Option(help="The Hub dataset repo the card's load snippet names.")] = "",
    homepage: Annotated[str, typer.Option(help="Where the card links the tool.")] = "",
    prelabels: Annotated[Path | None, typer.Option(help="Pre-label folder (default: the latest).")] = None,
    schema: Annotated[Path | None, typer.Option(help="Label schema TOML (default: the packaged one).")] = None,
    card_template: Annotated[Path | None, typer.Option(help="Card template (default: the packaged one).")] = None,
    push_to_hub_repo: Annotated[str | None, typer.Option("--push-to-hub", help="Then publish to this Hub dataset repo.")] = None,
    annotator_names: Annotated[bool, typer.Option("--annotator-names", help="Name annotators by their e-mail "
                               "(default: a stable pseudonym each; the card says which).")] = False,
) -> None:
    """Write a new versioned Hugging Face release (Parquet, card, manifest, CHANGES.md, exports); never overwrites."""
    from builder.core.schema import SchemaError, load_schema
    from builder.release.options import ReleaseError, ReleaseOptions, bump
    from builder.release.write import release_workspace

    ws = Workspace(workspace)
    if not ws.root.is_dir():
        raise fail(f"[red]No workspace at {ws.root}[/red]; run `builder ingest FILES --workspace {ws.root}` first.")
    ws.check()
    if ws.count_sentences() == 0:
        raise fail(f"[red]No sentences in {ws.root}[/red]; run `builder ingest` and `builder prelabel` first.")
    if (version is None) == (bump_part is None):
        raise fail("[red]Give exactly one of --version X.Y.Z or --bump major|minor|patch.[/red]", 2)
    formats = tuple(dict.fromkeys([*(export or []), *(["conll"] if conll else [])]))
    try:
        label_schema = load_schema(schema)
        dataset = name or label_schema.name
        chosen = version or bump(releases_dir, dataset, bump_part or "")
        options = ReleaseOptions(name=dataset, version=chosen, releases_dir=releases_dir, include_silver=not gold_only,
                                 ratios=tuple(float(x) for x in ratios.split(",")), license=license_,
                                 license_name=license_name, exports=formats, exports_gold_only=exports_gold_only,
                                 resplit=resplit, repo_id=repo_id or push_to_hub_repo or "", homepage=homepage,
                                 annotator_names=annotator_names)
    except (ReleaseError, SchemaError, ValueError) as error:
        raise fail(f"[red]{error}[/red]", 2) from None
    template = card_template.read_text(encoding="utf-8") if card_template is not None else None
    folder = prelabels or ws.latest_prelabels()
    try:
        with ws.lock("release") as held, console.status(f"Writing {options.target}..."):
            if held.note:
                err.print(f"[yellow]note:[/yellow] {held.note}", highlight=False, soft_wrap=True)
            ws.check()
            result = release_workspace(ws, label_schema, options, card_template=template, prelabels_dir=folder)
    except ReleaseError as error:
        raise fail(f"[red]{error}[/red]") from None
    table = Table(title=f"Release {options.name} {options.version}", show_header=False)
    table.add_row("previous", result.previous or "(none)")
    table.add_row("pre-labels", str(folder) if folder else "(none)")
    for split, values in result.counts["splits"].items():
        table.add_row(split, ", ".join(f"{k} {v:,}" for k, v in values.items()))
    console.print(table)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}", soft_wrap=True, highlight=False)
    console.print(f"wrote {result.path}", highlight=False)
    if push_to_hub_repo:
        _publish(result.path, push_to_hub_repo, dry_run=False, private=False)
    console.print(f'Load it with: python -c "import datasets; print(datasets.load_dataset(\'{result.path}\'))"',
                  highlight=False, markup=False, soft_wrap=True)


def export(
    release_dir: Annotated[Path, typer.Argument(help="A release folder, releases/<name>/<version>.")],
    format_: Annotated[list[str] | None, typer.Option("--format", help="jsonl, docbin or conll (repeat; default conll).")] = None,
    out: Annotated[Path, typer.Option(help="Where the export folders go.")] = Path("exports"),
    gold_only: Annotated[bool, typer.Option("--gold-only", help="Gold rows only.")] = False,
) -> None:
    """Write exports of an existing release: JSONL with spans, spaCy DocBin, CoNLL with -DOCSTART- per article."""
    from builder.release.exports import release_job, write_exports
    from builder.release.options import EXPORT_FORMATS, ReleaseError

    formats = format_ or ["conll"]
    unknown = [f for f in formats if f not in EXPORT_FORMATS]
    if unknown:
        raise fail(f"[red]--format {unknown}[/red]: use {', '.join(EXPORT_FORMATS)}.", 2)
    _check_release_files(release_dir)
    try:
        for path in write_exports(release_job(release_dir, out, gold_only=gold_only), formats):
            console.print(f"wrote {path}", highlight=False)
    except ReleaseError as error:
        raise fail(f"[red]{error}[/red]", 2) from None


def _check_release_files(release_dir: Path) -> None:
    """Refuse a release whose Parquet files cannot be read, naming the file (before anything is written)."""
    from builder.workspace.parts import DamagedPart, open_part

    for part in sorted((release_dir / "data").glob("*.parquet")):
        try:
            open_part(part)
        except DamagedPart as error:
            raise DamagedPart(part, error.problem,
                              "this release file was changed after it was written; restore it from where the "
                              "release was published, or write the release again") from None


def _publish(release_dir: Path, repo_id: str, *, dry_run: bool, private: bool) -> None:
    from builder.release.options import ReleaseError
    from builder.release.publish import publish_release

    try:
        plan = publish_release(release_dir, repo_id, dry_run=dry_run, private=private)
    except ReleaseError as error:
        raise fail(f"[red]{error}[/red]") from None
    verb = "published" if plan.uploaded else "dry run: would publish"
    console.print(f"{verb} {len(plan.files)} files to {plan.repo_id}, tag {plan.tag}", highlight=False)


def publish(
    release_dir: Annotated[Path, typer.Argument(help="A release folder, releases/<name>/<version>.")],
    repo_id: Annotated[str, typer.Option(help="The Hub dataset repo, owner/name.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and list what would be uploaded; upload nothing.")] = False,
    private: Annotated[bool, typer.Option("--private", help="Create the repo private.")] = False,
) -> None:
    """Publish an existing release to the Hugging Face Hub and tag it v<version> (files checked against the manifest)."""
    _publish(release_dir, repo_id, dry_run=dry_run, private=private)
