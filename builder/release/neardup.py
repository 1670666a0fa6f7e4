"""Near-duplicate (syndicated) articles: MinHash sketches of word shingles, grouped with MinHash LSH.

Each article is compared only with the candidates LSH finds for it, so the work grows with the
corpus, not with its square. Groups are stars, not chains: an article joins a group only when it
is similar to the group's first member (its leader), and a group stops growing at `MAX_GROUP`.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

NUM_PERM = 64  # MinHash permutations
SEED = 17  # fixed, so the same bodies always give the same sketches
SHINGLE = 5  # words per shingle
SKIP_WORDS = 6  # the first words are the dateline ("JAKARTA, KOMPAS.com -"), which copies change
THRESHOLD = 0.5  # estimated Jaccard similarity of shingles at which two articles are near-duplicates
MAX_GROUP = 64  # a group stops growing here, so no story can absorb a whole corpus
_WORD = re.compile(r"\w+")
_MIX = np.uint32(0x9E3779B1)  # odd multiplier that folds a shingle's word hashes into one


class _WordHashes(dict[str, int]):
    """Word → its CRC-32, computed once per distinct word."""

    def __missing__(self, word: str) -> int:
        value = self[word] = zlib.crc32(word.encode("utf-8"))
        return value


def shingles(body: str, words: dict[str, int] | None = None) -> list[int]:
    """Distinct 32-bit hashes of the body's five-word shingles, after the dateline."""
    tokens = _WORD.findall(body.lower())[SKIP_WORDS:]
    lookup = (words if words is not None else _WordHashes()).__getitem__
    hashes = np.array(list(map(lookup, tokens)), dtype=np.uint32)
    if len(hashes) < SHINGLE:
        return np.unique(hashes).tolist() or [0]
    count = len(hashes) - SHINGLE + 1
    folded = hashes[:count].copy()
    for k in range(1, SHINGLE):
        folded = folded * _MIX + hashes[k : k + count]
    return np.unique(folded).tolist()


def sketch_bodies(bodies: Iterable[tuple[str, str]]) -> dict[str, object]:
    """(article id, body) pairs, streamed → their MinHash sketches (datasketch, one shared permutation set)."""
    from datasketch import MinHash

    words = _WordHashes()
    template = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int)
    sketches: dict[str, object] = {}
    for article, body in bodies:
        sketch = sketches[article] = template.copy()
        sketch.update_batch(shingles(body, words))
    return sketches


@dataclass(frozen=True)
class Groups:
    """Article id → the id of its group's leader (itself when alone)."""

    leader_of: dict[str, str]

    def members(self) -> dict[str, list[str]]:
        """Leader → its group's members, leader first."""
        out: dict[str, list[str]] = {}
        for article, leader in self.leader_of.items():
            out.setdefault(leader, [leader])
            if article != leader:
                out[leader].append(article)
        return out

    @property
    def grouped_articles(self) -> int:
        """Articles that share a group with at least one other."""
        return sum(len(m) for m in self.members().values() if len(m) > 1)

    @property
    def group_count(self) -> int:
        """Groups of two or more articles."""
        return sum(1 for m in self.members().values() if len(m) > 1)


def group_near_duplicates(sketches: Mapping[str, object], order: Sequence[str] | None = None) -> Groups:
    """Star groups of near-duplicates; leaders are taken in `order` (default: sorted ids)."""
    from datasketch import MinHashLSH

    ids = list(order) if order is not None else sorted(sketches)
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for article in ids:
            session.insert(article, sketches[article], check_duplication=False)
    leader_of: dict[str, str] = {}
    for article in ids:
        if article in leader_of:
            continue
        leader_of[article] = article
        size = 1
        sketch = sketches[article]
        for other in sorted(lsh.query(sketch)):
            if size >= MAX_GROUP:
                break
            if other not in leader_of and sketch.jaccard(sketches[other]) >= THRESHOLD:  # type: ignore[attr-defined]
                leader_of[other] = article
                size += 1
    return Groups(leader_of)

