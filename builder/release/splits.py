"""Splits by article that never move: decided once, then pinned by every later release's manifest.

A new article takes the split of its near-duplicate group's earliest member (the leader, which
is a pinned article whenever the group has one), or else the split that a hash of the leader's
id falls in. A pinned article keeps its split; only `resplit` (asked for by name) moves one, and
the moves are listed. When the hash leaves a split with a share empty, one new group is moved
there (it is then pinned like any other), or a warning says there are too few articles.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from builder.release.neardup import Groups
from builder.release.options import SPLITS


def hash_point(article_id: str) -> float:
    """Where an id falls in [0, 1), from a stable hash of it."""
    return int.from_bytes(hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest(), "big") / 2**64


def _bounds(ratios: tuple[float, float, float]) -> dict[str, tuple[float, float]]:
    edges = (0.0, ratios[0], ratios[0] + ratios[1], 1.0)
    return {split: (edges[i], edges[i + 1]) for i, split in enumerate(SPLITS)}


def split_of_point(point: float, ratios: tuple[float, float, float]) -> str:
    """The split a hash point falls in."""
    for split, (low, high) in _bounds(ratios).items():
        if low <= point < high and high > low:
            return split
    return next(s for s, r in zip(reversed(SPLITS), reversed(ratios), strict=True) if r > 0)


@dataclass(frozen=True)
class SplitPlan:
    """Every article's split, what the next release pins, and what moved (only with `resplit`)."""

    split_of: dict[str, str]
    pins: dict[str, str]
    moved: dict[str, tuple[str, str]] = field(default_factory=dict)  # article → (before, now)
    warnings: tuple[str, ...] = ()

    def pinned_lists(self) -> dict[str, list[str]]:
        """The pins as the manifest stores them: split → sorted article ids."""
        out: dict[str, list[str]] = {s: [] for s in SPLITS}
        for article, split in sorted(self.pins.items()):
            out[split].append(article)
        return out


def _fill_empty_splits(split_of: dict[str, str], groups: Mapping[str, list[str]], movable: list[str],
                       ratios: tuple[float, float, float]) -> list[str]:
    """Move whole new groups into empty splits that have a share; warnings for those that stay empty."""
    warnings = []
    bounds = _bounds(ratios)
    for split, ratio in zip(SPLITS, ratios, strict=True):
        used = Counter(split_of[leader] for leader in groups)
        if ratio <= 0 or used[split]:
            continue
        low, high = bounds[split]
        candidates = [g for g in movable if used[split_of[g]] > 1]
        if not candidates:
            warnings.append(f"the {split} split is empty: {len(groups)} article group(s) are too few for ratios "
                            f"{list(ratios)}; add articles or pass --ratios with a 0 for {split}")
            continue
        chosen = min(candidates, key=lambda g: (min(abs(hash_point(g) - low), abs(hash_point(g) - high)), g))
        for article in groups[chosen]:
            split_of[article] = split
        movable.remove(chosen)
    return warnings


def leader_order(article_ids: Iterable[str], previous: Mapping[str, str]) -> list[str]:
    """The order near-duplicate leaders are taken in: pinned articles first, then by id."""
    return sorted(article_ids, key=lambda a: (a not in previous, a))


def plan_splits(groups: Groups, ratios: tuple[float, float, float], previous: Mapping[str, str], *,
                resplit: bool = False) -> SplitPlan:
    """Each article's split: pinned ones keep theirs (unless `resplit`), new ones follow their group."""
    pinned = {} if resplit else dict(previous)
    members = groups.members
    split_of: dict[str, str] = {}
    movable: list[str] = []
    for leader in sorted(members):
        group = members[leader]
        anchors = [a for a in group if a in pinned]
        if anchors:
            anchor = leader if leader in pinned else min(anchors)
            for article in group:
                split_of[article] = pinned.get(article, pinned[anchor])
        else:
            split = split_of_point(hash_point(leader), ratios)
            for article in group:
                split_of[article] = split
            movable.append(leader)
    warnings = _fill_empty_splits(split_of, members, movable, ratios)
    moved = {a: (previous[a], s) for a, s in sorted(split_of.items()) if a in previous and previous[a] != s}
    return SplitPlan(split_of, {**previous, **split_of}, moved, tuple(warnings))
