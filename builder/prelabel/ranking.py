"""How unsure the pre-labeller is about a sentence, and the annotation queue that follows from it.

A sentence's uncertainty is one minus its least confident decision ("least confidence"
sampling): every token's entity tag (the CRF marginal of the tag it chose) and every event
candidate's class (the probability of the class the model chose, "none" included). The queue
puts the most uncertain sentences first but spreads them over articles: an article's k-th
sentence in the queue has its uncertainty multiplied by `decay ** k`, so ten uncertain
sentences of one long article do not fill the head of the queue (diversity across articles).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

#: An article's next sentence in the queue counts this much less than its previous one.
DEFAULT_DECAY = 0.5


def sentence_uncertainty(*confidences: Iterable[float]) -> float:
    """1 - the lowest confidence among the given decisions (token marginals, event probabilities).

    A sentence with no decision at all (no tokens, no candidates) is certain: 0.0.
    """
    lowest = 1.0
    for group in confidences:
        values = list(group)
        if not values:
            continue
        low, total = min(values), sum(values)
        # NaN compares false both ways, so min and max may pass over it; the sum is NaN then.
        if not (0.0 <= low and max(values) <= 1.0) or total != total:
            bad = next(v for v in values if not 0.0 <= v <= 1.0)
            raise ValueError(f"a confidence must be a probability in [0, 1], got {bad!r}")
        lowest = min(lowest, low)
    return 1.0 - lowest


def ranked(items: Sequence[T], uncertainty: Callable[[T], float], group: Callable[[T], Hashable], *,
           decay: float = DEFAULT_DECAY) -> list[T]:
    """`items` most uncertain first, an article's later sentences discounted by `decay` per place.

    Deterministic: ties keep the input order. With `decay=1.0` it is a plain sort by uncertainty.
    """
    if not 0.0 < decay <= 1.0:
        raise ValueError(f"decay must be in (0, 1], got {decay!r}")
    by_group: dict[Hashable, list[tuple[float, int]]] = {}
    for index, item in enumerate(items):
        by_group.setdefault(group(item), []).append((-uncertainty(item), index))
    keyed: list[tuple[float, int]] = []
    for members in by_group.values():
        members.sort()
        keyed.extend((negative * decay ** place, index) for place, (negative, index) in enumerate(members))
    keyed.sort()
    return [items[index] for _, index in keyed]
