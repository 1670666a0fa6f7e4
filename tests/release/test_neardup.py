"""Near-duplicates: MinHash LSH finds syndicated copies, groups are stars (no chains), growth is capped, time is linear."""

from __future__ import annotations

import random
import time

import numpy as np
import pyarrow as pa

from builder.release.neardup import (
    MAX_GROUP,
    SHINGLE,
    group_near_duplicates,
    shingle_hashes,
    sketch_bodies,
)


def _words(rng: random.Random, n: int) -> list[str]:
    return [f"kata{rng.randrange(50_000)}" for _ in range(n)]


def test_syndicated_copies_share_a_group() -> None:
    rng = random.Random(1)
    body = " ".join(_words(rng, 200))
    sketches = sketch_bodies([("b", "JAKARTA, KOMPAS.com - " + body), ("a", "Jakarta (ANTARA) - " + body),
                              ("c", " ".join(_words(rng, 200)))])
    groups = group_near_duplicates(sketches)
    assert groups.leader_of == {"a": "a", "b": "a", "c": "c"}
    assert groups.group_count == 1 and groups.grouped_articles == 2


def test_leaders_follow_the_given_order() -> None:
    rng = random.Random(2)
    body = " ".join(_words(rng, 200))
    sketches = sketch_bodies([("a", body), ("z", body)])
    assert group_near_duplicates(sketches, order=["z", "a"]).leader_of == {"z": "z", "a": "z"}


def test_groups_do_not_chain() -> None:
    """a ~ b and b ~ c, but a and c share too little: c must not join a's group through b."""
    from datasketch import LeanMinHash

    from builder.release.neardup import NUM_PERM, SEED

    a = list(range(NUM_PERM))
    b = a[:20] + [1000 + i for i in range(20, NUM_PERM)]
    c = [2000 + i for i in range(12)] + b[12:]
    sketches = {name: np.array(values, dtype=np.uint32) for name, values in (("a", a), ("b", b), ("c", c))}
    lean = {name: LeanMinHash(seed=SEED, hashvalues=values, scheme="affine32") for name, values in sketches.items()}
    assert lean["a"].jaccard(lean["b"]) >= 0.5 and lean["b"].jaccard(lean["c"]) >= 0.5
    assert lean["a"].jaccard(lean["c"]) < 0.5
    assert group_near_duplicates(sketches).leader_of == {"a": "a", "b": "a", "c": "c"}


def test_group_growth_is_capped() -> None:
    rng = random.Random(4)
    body = " ".join(_words(rng, 120))
    sketches = sketch_bodies([(f"id{i:04d}", f"Kota {i} - {body}") for i in range(3 * MAX_GROUP)])
    sizes = sorted(len(m) for m in group_near_duplicates(sketches).members.values())
    assert max(sizes) == MAX_GROUP and sum(sizes) == 3 * MAX_GROUP


def test_a_shared_paragraph_is_not_a_near_duplicate_and_stays_fast() -> None:
    """1,000 articles sharing one boilerplate paragraph (quadratic before: 36 s) are grouped in seconds, apart."""
    rng = random.Random(5)
    shared = " ".join(_words(rng, 40))
    bodies = [(f"{i:05d}", " ".join(_words(rng, 200)) + " " + shared) for i in range(1000)]
    started = time.perf_counter()
    groups = group_near_duplicates(sketch_bodies(bodies))
    assert time.perf_counter() - started < 10
    assert groups.group_count == 0


def _shingles(*bodies: str) -> list[list[int]]:
    offsets, hashes = shingle_hashes(pa.array(list(bodies)))
    return [hashes[offsets[k] : offsets[k + 1]].tolist() for k in range(len(bodies))]


def test_shingles_skip_the_dateline_and_stay_inside_their_article() -> None:
    words = "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas"
    first, second, short, empty, again = _shingles("JAKARTA, KOMPAS.com - Senin (6/1) pukul " + words,
                                                   "Bandung (ANTARA) - Selasa, 7/1/2022 siang " + words, "a b c d e f g h",
                                                   "", words.upper())
    assert first == second and len(first) == 11 - SHINGLE + 1
    assert len(short) == 1 and empty == []
    assert again == _shingles(words)[0]  # case does not matter; neighbours in the batch do not either


def test_batched_minhash_equals_datasketch_update_batch() -> None:
    """The sketches computed many at a time are exactly datasketch's own MinHash of the same shingles."""
    from datasketch import MinHash

    from builder.release.neardup import NUM_PERM, SEED, minhash_values

    rng = random.Random(6)
    bodies = [" ".join(_words(rng, n)) for n in (300, 0, 3, 1200, 40, 0)]
    offsets, hashes = shingle_hashes(pa.array(bodies))
    template = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int)
    values = minhash_values(offsets, hashes, template.permutations)
    for k in range(len(bodies)):
        expected = template.copy()
        expected.update_batch(hashes[offsets[k] : offsets[k + 1]].tolist() or [0])
        assert values[k].tolist() == expected.hashvalues.tolist(), k


def test_permutations_are_datasketchs_own() -> None:
    from datasketch import MinHash

    from builder.release.neardup import NUM_PERM, SEED, permutations

    assert permutations().tolist() == MinHash(num_perm=NUM_PERM, seed=SEED).permutations.tolist()


def _datasketch_groups(sketches: dict[str, np.ndarray], order: list[str]) -> dict[str, str]:
    """The same star grouping done with datasketch's MinHashLSH (what ran before it was replaced)."""
    from datasketch import LeanMinHash, MinHashLSH

    from builder.release.neardup import BANDS, NUM_PERM, ROWS, SEED, THRESHOLD

    lean = {a: LeanMinHash(seed=SEED, hashvalues=v, scheme="affine32") for a, v in sketches.items()}
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    assert (lsh.b, lsh.r) == (BANDS, ROWS)
    for article in order:
        lsh.insert(article, lean[article], check_duplication=False)
    leader_of: dict[str, str] = {}
    for article in order:
        if article in leader_of:
            continue
        leader_of[article], size = article, 1
        for other in sorted(lsh.query(lean[article])):
            if size >= MAX_GROUP:
                break
            if other not in leader_of and lean[article].jaccard(lean[other]) >= THRESHOLD:
                leader_of[other], size = article, size + 1
    return leader_of


def test_grouping_equals_datasketch_minhash_lsh() -> None:
    """On 3,000 articles, a fifth of them edited copies, the NumPy banding gives datasketch's groups exactly."""
    rng = random.Random(8)
    bodies: list[tuple[str, str]] = []
    for i in range(3000):
        if i % 5 == 4:
            words = bodies[rng.randrange(len(bodies))][1].split()
            for _ in range(rng.randrange(8)):
                words[rng.randrange(len(words))] = f"kata{rng.randrange(3000)}"
        else:
            words = [f"kata{rng.randrange(3000)}" for _ in range(rng.randrange(10, 150))]
        bodies.append((f"{rng.getrandbits(40):010x}", " ".join(words)))
    sketches = sketch_bodies(bodies)
    pinned_first = sorted(sketches, key=lambda a: (a[-1] not in "0123", a))
    for order in (sorted(sketches), pinned_first):
        ours = group_near_duplicates(sketches, order).leader_of
        assert ours == _datasketch_groups(sketches, order)
        assert sum(1 for k, v in ours.items() if k != v) > 300  # most copies were found, not only singletons
