"""Pre-label a workspace on the engine asked for: the engines are picked from a table by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from builder.prelabel.interface import Prelabeller
from builder.workspace.layout import Workspace
from builder.workspace.summary import PrelabelSummary


class EngineUnavailable(RuntimeError):
    """The engine asked for cannot run here; the message says what to install."""


@dataclass(frozen=True)
class EngineOptions:
    """How to run: workers (processes or Ray actors), batch size, a Ray address, a progress callback."""

    workers: int = 1
    batch_size: int = 512
    address: str | None = None
    on_batch: Callable[[int], None] | None = None


def _local(workspace: Workspace, factory: Callable[[], Prelabeller], options: EngineOptions) -> PrelabelSummary:
    from builder.prelabel.engines.local import prelabel_workspace

    return prelabel_workspace(workspace, factory, workers=options.workers, batch_size=options.batch_size,
                              on_batch=options.on_batch)


def _ray(workspace: Workspace, factory: Callable[[], Prelabeller], options: EngineOptions) -> PrelabelSummary:
    try:
        from builder.prelabel.engines.ray import prelabel_with_ray
    except ImportError:
        raise EngineUnavailable(
            "Ray is not installed; install it with `pip install 'news-dataset-builder[ray]'`"
        ) from None
    return prelabel_with_ray(workspace, factory, workers=options.workers, address=options.address,
                             batch_size=options.batch_size)


ENGINES: dict[str, Callable[[Workspace, Callable[[], Prelabeller], EngineOptions], PrelabelSummary]] = {
    "local": _local,
    "ray": _ray,
}


def prelabel(workspace: Workspace, factory: Callable[[], Prelabeller], *, engine: str = "local",
             options: EngineOptions = EngineOptions()) -> PrelabelSummary:
    """Pre-label the workspace's sentences that this pre-labeller has not labelled yet."""
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r}: use {' or '.join(ENGINES)}")
    return ENGINES[engine](workspace, factory, options)
