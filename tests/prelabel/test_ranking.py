"""The least-confidence uncertainty and the article-spreading queue order."""

import pytest

from builder.prelabel.ranking import ranked, sentence_uncertainty


def test_uncertainty_is_one_minus_the_least_confident_decision():
    assert sentence_uncertainty([0.99, 0.6, 0.95], [0.8]) == pytest.approx(0.4)
    assert sentence_uncertainty([0.99], [0.3]) == pytest.approx(0.7)
    assert sentence_uncertainty([], []) == 0.0


def test_uncertainty_rejects_values_that_are_not_probabilities():
    with pytest.raises(ValueError, match="1.5"):
        sentence_uncertainty([1.5])
    with pytest.raises(ValueError, match="-0.1"):
        sentence_uncertainty([0.5], [0.9, -0.1])
    with pytest.raises(ValueError, match="nan"):  # NaN passes min() and max() unnoticed
        sentence_uncertainty([0.5, float("nan"), 0.7])


def test_queue_puts_uncertain_first_and_spreads_articles():
    items = [("a", 0.9), ("a", 0.85), ("a", 0.8), ("b", 0.5), ("c", 0.1)]
    order = ranked(items, uncertainty=lambda x: x[1], group=lambda x: x[0])
    # a's second sentence (0.85 * 0.5 = 0.425) falls behind b's first (0.5).
    assert order == [("a", 0.9), ("b", 0.5), ("a", 0.85), ("a", 0.8), ("c", 0.1)]


def test_queue_without_decay_is_a_stable_sort():
    items = [("a", 0.2), ("b", 0.9), ("a", 0.9), ("c", 0.2)]
    order = ranked(items, uncertainty=lambda x: x[1], group=lambda x: x[0], decay=1.0)
    assert order == [("b", 0.9), ("a", 0.9), ("a", 0.2), ("c", 0.2)]
    with pytest.raises(ValueError):
        ranked(items, uncertainty=lambda x: x[1], group=lambda x: x[0], decay=0.0)
