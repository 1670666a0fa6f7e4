"""Splits by article, from a hash of the article's group id, with near-duplicate articles kept together."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Mapping

_SKETCH = 32  # bottom-k sketch size for near-duplicate detection
_SHINGLE = 5  # words per shingle
NEAR_DUPLICATE_JACCARD = 0.5


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
