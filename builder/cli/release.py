"""`builder release` and `builder export-conll`: versioned Hugging Face releases of the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from builder.cli.common import WorkspaceOption, console, fail
from builder.workspace.layout import Workspace


def _default_card_template() -> str:
    """dataset_card.md at the top of the repository (the tool is installed from its checkout)."""
    beside = Path(__file__).resolve().parent.parent.parent / "dataset_card.md"
    if not beside.is_file():
        raise fail(f"[red]No card template at {beside}[/red]; pass --card-template PATH.", 2)
    return beside.read_text(encoding="utf-8")


def release(
    workspace: WorkspaceOption = Path("workspace"),
    version: Annotated[str | None, typer.Option(help="The version to write, X.Y.Z.")] = None,
    bump_part: Annotated[str | None, typer.Option("--bump", help="Or: next major, minor or patch version.")] = None,
    name: Annotated[str | None, typer.Option(help="Dataset name (default: the schema's name).")] = None,
    releases_dir: Annotated[Path, typer.Option(help="Where releases/<name>/<version>/ go.")] = Path("releases"),
    gold_only: Annotated[bool, typer.Option("--gold-only", help="Leave out silver (machine-only) rows.")] = False,
    ratios: Annotated[str, typer.Option(help="train,validation,test shares of articles.")] = "0.8,0.1,0.1",
    license_: Annotated[str, typer.Option("--license", help="Licence id for the card (e.g. cc-by-4.0).")] = "other",
    prelabels: Annotated[Path | None, typer.Option(help="Pre-label folder (default: the latest).")] = None,
    schema: Annotated[Path | None, typer.Option(help="Label schema TOML (default: the packaged one).")] = None,
    card_template: Annotated[Path | None, typer.Option(help="Card template (default: dataset_card.md).")] = None,
    conll: Annotated[bool, typer.Option(help="Also write token<TAB>tag files in <release>/conll/.")] = False,
    push_to_hub_repo: Annotated[str | None, typer.Option("--push-to-hub", help="Upload to this Hub dataset repo and tag it.")] = None,
) -> None:
    """Write a new versioned Hugging Face release (Parquet, card, manifest, CHANGES.md); never overwrites."""
    from builder.core.schema import SchemaError, load_schema
    from builder.release.options import ReleaseError, ReleaseOptions, bump
    from builder.release.publish import push_to_hub
    from builder.release.write import release_workspace

    ws = Workspace(workspace)
    if ws.count_sentences() == 0:
        raise fail(f"[red]No sentences in {ws.root}[/red]; run `builder ingest` and `builder prelabel` first.")
    if (version is None) == (bump_part is None):
        raise fail("[red]Give exactly one of --version X.Y.Z or --bump major|minor|patch.[/red]", 2)
    try:
        label_schema = load_schema(schema)
        dataset = name or label_schema.name
        chosen = version or bump(releases_dir, dataset, bump_part or "")
        options = ReleaseOptions(name=dataset, version=chosen, releases_dir=releases_dir, include_silver=not gold_only,
                                 ratios=tuple(float(x) for x in ratios.split(",")), license=license_, conll=conll)
    except (ReleaseError, SchemaError, ValueError) as error:
        raise fail(f"[red]{error}[/red]", 2) from None
    template = card_template.read_text(encoding="utf-8") if card_template is not None else _default_card_template()
    folder = prelabels or ws.latest_prelabels()
    try:
        with console.status(f"Writing {options.target}..."):
            result = release_workspace(ws, label_schema, options, card_template=template, prelabels_dir=folder)
    except ReleaseError as error:
        raise fail(f"[red]{error}[/red]") from None
    table = Table(title=f"Release {options.name} {options.version}", show_header=False)
    table.add_row("previous", result.previous or "(none)")
    table.add_row("pre-labels", str(folder) if folder else "(none)")
    for split, values in result.counts["splits"].items():
        table.add_row(split, ", ".join(f"{k} {v:,}" for k, v in values.items()))
    console.print(table)
    if push_to_hub_repo:
        tag = push_to_hub(result.path, push_to_hub_repo)
        console.print(f"pushed to the Hub as {push_to_hub_repo}, tag {tag}", highlight=False)
    console.print(f"wrote {result.path}", highlight=False)
    console.print(f'Load it with: python -c "import datasets; print(datasets.load_dataset(\'{result.path}\'))"',
                  highlight=False, markup=False, soft_wrap=True)


def export_conll(
    release_dir: Annotated[Path, typer.Argument(help="A release folder, releases/<name>/<version>.")],
    out: Annotated[Path, typer.Option(help="Where <split>.conll files go.")] = Path("conll"),
) -> None:
    """Write a release's tokens and IOB2 tags as CoNLL files (token<TAB>tag, blank line between sentences)."""
    from builder.release.exports import export_conll as write_conll

    if not (release_dir / "manifest.json").is_file():
        raise fail(f"[red]{release_dir} is not a release[/red] (no manifest.json); give releases/<name>/<version>.", 2)
    for path in write_conll(release_dir, out):
        console.print(f"wrote {path}", highlight=False)
