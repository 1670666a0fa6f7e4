"""Near-duplicate (syndicated) articles: MinHash sketches of word shingles, grouped with MinHash LSH.

Each article is compared only with the candidates LSH finds for it, so the work grows with the
corpus, not with its square. Groups are stars, not chains: an article joins a group only when it
is similar to the group's first member (its leader), and a group stops growing at `MAX_GROUP`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import islice

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NUM_PERM = 32  # MinHash permutations
BANDS, ROWS = 8, 4  # LSH bands x values per band (what datasketch chooses for 32 permutations at 0.5)
SEED = 17  # fixed, so the same bodies always give the same sketches
SHINGLE = 5  # words per shingle
SKIP_WORDS = 6  # the first words hold the dateline ("JAKARTA, KOMPAS.com - Senin (6/1)"), which copies change
THRESHOLD = 0.5  # estimated Jaccard similarity of shingles at which two articles are near-duplicates
MAX_GROUP = 64  # a group stops growing here, so no story can absorb a whole corpus
_MIX = np.uint32(0x9E3779B1)  # odd multiplier that folds a shingle's word hashes into one
_CHUNK = 65_536  # shingles whose permutations are held at once (x NUM_PERM x 4 bytes)


def _offsets(lengths: np.ndarray) -> np.ndarray:
    return np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)


def _word_hashes(words: pa.Array) -> np.ndarray:
    """A 32-bit polynomial hash of each (non-empty) word's UTF-8 bytes."""
    at = np.frombuffer(words.buffers()[1], dtype=np.int32)[words.offset : words.offset + len(words) + 1]
    at = at.astype(np.int64)
    if not len(words):
        return np.zeros(0, dtype=np.uint32)
    data = np.frombuffer(words.buffers()[2], dtype=np.uint8)[at[0] : at[-1]].astype(np.uint32)
    sizes = np.diff(at)
    powers = np.cumprod(np.concatenate(([1], np.full(int(sizes.max()), _MIX, dtype=np.uint32))), dtype=np.uint32)
    weight = powers[np.repeat(at[1:] - at[0], sizes) - 1 - np.arange(len(data), dtype=np.int64)]
    return np.add.reduceat((data + np.uint32(1)) * weight, at[:-1] - at[0]).astype(np.uint32)


def shingle_hashes(bodies: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of each body's five-word shingles after the dateline: (offsets per body, hashes).

    Words (whitespace-separated, lower-cased) are split by Arrow and hashed (a polynomial over their
    UTF-8 bytes) and folded into shingles with NumPy, so no Python runs per word.
    """
    words = pc.utf8_split_whitespace(pc.utf8_lower(bodies))
    lengths = pc.list_value_length(words).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    flat = pc.list_flatten(words)
    rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    keep = pc.not_equal(flat, "").to_numpy(zero_copy_only=False)
    flat, rows = flat.filter(pa.array(keep)), rows[keep]
    hashes = _word_hashes(flat)
    counts = np.bincount(rows, minlength=len(lengths)).astype(np.int64)
    position = np.arange(len(rows), dtype=np.int64) - np.repeat(_offsets(counts)[:-1], counts)
    body = position >= SKIP_WORDS
    hashes, rows, position = hashes[body], rows[body], position[body] - SKIP_WORDS
    folded = hashes.copy()
    for k in range(1, SHINGLE):  # fold the next word in where the shingle stays inside its article
        nxt = np.zeros_like(hashes)
        same = np.zeros(len(rows), dtype=bool)
        same[:-k] = rows[k:] == rows[:-k]
        nxt[:-k] = hashes[k:]
        folded = np.where(same, folded * _MIX + nxt, folded)
    words_in = np.bincount(rows, minlength=len(lengths)).astype(np.int64)
    full = position <= np.maximum(words_in[rows] - SHINGLE, 0)  # a short body keeps its one partial shingle
    return _offsets(np.bincount(rows[full], minlength=len(lengths)).astype(np.int64)), folded[full]


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch's "affine32" scheme mixes each input hash."""
    h = values.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def minhash_values(offsets: np.ndarray, hashes: np.ndarray, permutations: np.ndarray) -> np.ndarray:
    """Each body's MinHash values (bodies x NUM_PERM): what datasketch's `update_batch` gives, for many at once.

    An empty body counts as the one shingle 0.
    """
    hashes, offsets = hashes.astype(np.uint32), offsets.copy()
    empty = np.flatnonzero(offsets[1:] == offsets[:-1])
    if len(empty):
        hashes = np.insert(hashes, offsets[empty], np.uint32(0))
        offsets = offsets + np.searchsorted(empty, np.arange(len(offsets)), side="left")
    mixed = _fmix32(hashes)
    a, b = permutations[0].astype(np.uint32), permutations[1].astype(np.uint32)
    out = np.empty((len(offsets) - 1, len(a)), dtype=np.uint32)
    first = 0
    while first < len(out):  # bodies in chunks of about CHUNK shingles, so the product stays small
        last = max(first + 1, int(np.searchsorted(offsets, offsets[first] + _CHUNK, side="right")) - 1)
        last = min(last, len(out))
        low, high = offsets[first], offsets[last]
        out[first:last] = np.minimum.reduceat(mixed[low:high, None] * a + b, offsets[first:last] - low, axis=0)
        first = last
    return out


def permutations(num_perm: int = NUM_PERM, seed: int = SEED) -> np.ndarray:
    """The affine permutations (a, b) of datasketch's "affine32" `MinHash(num_perm, seed)`, made the same way.

    datasketch itself is not imported at run time: its package imports SciPy (for LSH parameter
    search), which took longer than the whole release of a small corpus. The tests check these
    against datasketch's own.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.stack([a, b])


def sketch_batches(batches: Iterable[pa.RecordBatch]) -> dict[str, np.ndarray]:
    """Record batches of (id, body), streamed → each article's MinHash values (NUM_PERM uint32, "affine32")."""
    perms = permutations()
    sketches: dict[str, np.ndarray] = {}
    for batch in batches:
        values = minhash_values(*shingle_hashes(batch.column("body")), perms)
        sketches.update(zip(batch.column("id").to_pylist(), values, strict=True))
    return sketches


def sketch_bodies(bodies: Iterable[tuple[str, str]], batch_size: int = 1024) -> dict[str, np.ndarray]:
    """(article id, body) pairs → their MinHash values, a batch of bodies at a time."""

    def batches() -> Iterator[pa.RecordBatch]:
        pairs = iter(bodies)
        while chunk := list(islice(pairs, batch_size)):
            yield pa.RecordBatch.from_pydict({"id": [a for a, _ in chunk], "body": [b for _, b in chunk]})

    return sketch_batches(batches())


@dataclass(frozen=True)
class Groups:
    """Article id → the id of its group's leader (itself when alone)."""

    leader_of: dict[str, str]

    @cached_property
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
        return sum(len(m) for m in self.members.values() if len(m) > 1)

    @property
    def group_count(self) -> int:
        """Groups of two or more articles."""
        return sum(1 for m in self.members.values() if len(m) > 1)


def _band_buckets(values: np.ndarray) -> list[np.ndarray]:
    """For each LSH band, every row's bucket number: rows share a bucket when their band's values are equal."""
    buckets = []
    for band in range(BANDS):
        keys = np.ascontiguousarray(values[:, band * ROWS : (band + 1) * ROWS]).view(f"V{ROWS * values.itemsize}")
        buckets.append(np.unique(keys.ravel(), return_inverse=True)[1].ravel())
    return buckets


def _members(bucket: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows sorted by bucket, and where each bucket starts in that order."""
    order = np.argsort(bucket, kind="stable")
    starts = np.searchsorted(bucket[order], np.arange(int(bucket.max()) + 2 if len(bucket) else 1))
    return order, starts


def group_near_duplicates(sketches: Mapping[str, np.ndarray], order: Sequence[str] | None = None) -> Groups:
    """Star groups of near-duplicates; leaders are taken in `order` (default: sorted ids).

    LSH with BANDS bands of ROWS values (datasketch's `MinHashLSH(threshold=0.5, num_perm=32)` picks
    the same): two articles are candidates when one band is equal; a candidate joins the group when
    its estimated Jaccard similarity to the leader reaches THRESHOLD.
    """
    ids = list(order) if order is not None else sorted(sketches)
    leader_of = {article: article for article in ids}
    if len(ids) < 2:
        return Groups(leader_of)
    values = np.stack([np.asarray(sketches[a], dtype=np.uint32) for a in ids])
    buckets = _band_buckets(values)
    shared = np.zeros(len(ids), dtype=bool)  # rows with a candidate in some band
    for bucket in buckets:
        shared |= np.bincount(bucket)[bucket] > 1
    members = [_members(bucket) for bucket in buckets]
    assigned = ~shared  # rows alone in every band lead their own group of one
    for row in np.flatnonzero(shared):
        if assigned[row]:
            continue
        assigned[row] = True
        found = [order_[starts[b] : starts[b + 1]] for bucket, (order_, starts) in zip(buckets, members, strict=True)
                 for b in (bucket[row],)]
        candidates = np.unique(np.concatenate(found))
        candidates = candidates[~assigned[candidates]]
        if not len(candidates):
            continue
        similar = candidates[(values[candidates] == values[row]).mean(axis=1) >= THRESHOLD]
        for other in sorted(similar.tolist(), key=ids.__getitem__)[: MAX_GROUP - 1]:  # by id, as before
            leader_of[ids[other]] = ids[row]
            assigned[other] = True
    return Groups(leader_of)
