"""Batched NumPy inference for the CRF NER model, equal to CRFsuite's tagger on our features.

CRFsuite trains the model and stays the reference (`CrfNerModel.predict_reference`). Tagging
through it means building ~26 feature strings per token in Python and looking each up again
in C; on news text that was 90 % of pre-labelling time. This module reads the trained weights
once and uses the structure of `builder.ner.features.sentence_features` instead:

- a token's features are its own word's features, its neighbours' word features at fixed
  offsets, a few positional flags, word-pair features and lexicon matches;
- so every distinct word gets one cached (5, labels) block of summed weights: its own
  features and what it adds to the tokens 2 and 1 before and 1 and 2 after it;
- a sentence's state scores are then a handful of array additions, and Viterbi and
  forward-backward (for the per-token marginals) run on all sentences of a batch at once.

`tests/test_ner_model.py` checks tags and marginals against CRFsuite on real sentences.
"""

from __future__ import annotations

import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pycrfsuite

from builder.ner.features import EntityLexicon, is_cap, own_features, word_shape

# Rows of a word's cached block: its own features (_OWN), then what it adds to a token that
# sees it at offset +2, +1, -1 or -2; e.g. _AS_MINUS1 sums the "-1w=<word>" (and -1sh, -1s3,
# -1cap, -1tk) features, which the token right after the word carries.
_OWN, _AS_PLUS2, _AS_PLUS1, _AS_MINUS1, _AS_MINUS2 = range(5)
_CACHE_LIMIT = 200_000  # distinct words kept; the cache is dropped and rebuilt past this


class CompiledCrf:
    """The weights of a CRFsuite model laid out for array arithmetic over our feature templates."""

    def __init__(self, model_file: Path, lexicon: EntityLexicon) -> None:
        self.labels, state_features, transitions = _read_weights(*_file_key(model_file))
        index = {label: i for i, label in enumerate(self.labels)}
        size = len(self.labels)
        rows: dict[str, int] = {}
        cells: list[tuple[int, int]] = []
        for attribute, label in state_features:
            cells.append((rows.setdefault(attribute, len(rows)), index[label]))
        self._matrix = np.zeros((len(rows), size))
        np.add.at(self._matrix, tuple(np.array(cells, dtype=np.int64).reshape(-1, 2).T),
                  np.fromiter(state_features.values(), dtype=float, count=len(state_features)))
        self._attribute_rows = rows
        self._weights: dict[str, np.ndarray] = dict(zip(rows, self._matrix, strict=True))
        self.transitions = np.zeros((size, size))
        for (before, after), weight in transitions.items():
            self.transitions[index[before], index[after]] = weight
        self.lexicon = lexicon
        zero = np.zeros(size)
        self._zero = zero
        self._pad = {o: self._weights.get(f"{o}w=<pad>", zero) for o in (-2, -1, 1, 2)}
        self._bos = self._weights.get("BOS", zero)
        self._eos = self._weights.get("EOS", zero)
        self._runs = np.array([[self._weights.get(f"run={length}:{position}", zero) if length else zero
                                for position in range(5)] for length in range(6)])
        # Word-pair features, keyed by "a|b": what the pair adds to b, to a, and to the word after b.
        pairs: dict[str, np.ndarray] = {}
        for prefix, row in (("-1w|w=", 0), ("w|+1w=", 1), ("-2w|-1w=", 2)):
            for attribute, vector in self._weights.items():
                if attribute.startswith(prefix):
                    pairs.setdefault(attribute[len(prefix):], np.zeros((3, size)))[row] = vector
        self._pairs = pairs
        # Every string a pair key can start with before one of its "|"s: a word not in here
        # cannot be the left word of a pair, so most pairs are never joined and looked up.
        self._pair_lefts = {key[:i] for key in pairs for i, char in enumerate(key) if char == "|"}
        self._vocabulary: dict[str, int] = {}
        self._blocks = np.zeros((1024, 5, size))

    # --- per-word blocks ---------------------------------------------------------------

    def _weight(self, attribute: str) -> np.ndarray:
        return self._weights.get(attribute, self._zero)

    def _block_features(self, word: str) -> list[list[str]]:
        """The feature strings `word` contributes, per row of its block (see the module doc)."""
        lower = word.lower()
        shape = word_shape(word)
        tendency = self.lexicon.words.get(lower, "")
        rows: list[list[str]] = [list(own_features(word)), [f"2w={lower}", f"2sh={shape}"], [], [],
                                 [f"-2w={lower}", f"-2sh={shape}"]]
        if tendency:
            rows[_OWN].append("tk=" + tendency)
        for offset, row in ((-1, _AS_MINUS1), (1, _AS_PLUS1)):
            rows[row] += [f"{offset}w={lower}", f"{offset}sh={shape}", f"{offset}s3={lower[-3:]}"]
            if is_cap(word):
                rows[row].append(f"{offset}cap")
            if tendency:
                rows[row].append(f"{offset}tk={tendency.split(':')[0]}")
        return rows

    def _add_blocks(self, words: Sequence[str], first: int) -> None:
        """Fill the blocks of new words, which get ids first, first + 1, ..."""
        needed = first + len(words)
        if needed > len(self._blocks):
            grown = np.zeros((max(needed, 2 * len(self._blocks)), *self._blocks.shape[1:]))
            grown[: len(self._blocks)] = self._blocks
            self._blocks = grown
        features: list[str] = []
        cells: list[int] = []
        for k, word in enumerate(words):
            for row, group in enumerate(self._block_features(word)):
                features += group
                cells += [5 * k + row] * len(group)
        get = self._attribute_rows.get
        found = np.fromiter((get(f, -1) for f in features), dtype=np.int64, count=len(features))
        known = found >= 0
        weights = self._matrix[found[known]]
        targets = np.asarray(cells, dtype=np.int64)[known]
        blocks = np.stack([np.bincount(targets, weights=weights[:, label], minlength=5 * len(words))
                           for label in range(len(self.labels))], axis=1)
        self._blocks[first:needed] = blocks.reshape(len(words), 5, len(self.labels))

    def _ids(self, words: Sequence[str]) -> list[int]:
        vocabulary = self._vocabulary
        if len(vocabulary) + len(words) > _CACHE_LIMIT:
            vocabulary.clear()
        ids = list(map(vocabulary.get, words))
        if None in ids:
            first = len(vocabulary)
            new = [w for w in dict.fromkeys(w for w, i in zip(words, ids, strict=True) if i is None)]
            vocabulary.update(zip(new, range(first, first + len(new)), strict=True))
            self._add_blocks(new, first)
            ids = list(map(vocabulary.__getitem__, words))
        return ids

    # --- state scores --------------------------------------------------------------------

    def state_scores(self, sentences: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Summed feature weights (tokens, labels) of every token of the batch, one row per token,
        as CRFsuite computes them for `sentence_features`; also each token's position and its
        sentence's length."""
        words = [t if t.isascii() else unicodedata.normalize("NFC", t) for tokens in sentences for t in tokens]
        lengths = np.fromiter(map(len, sentences), dtype=np.int64, count=len(sentences))
        total = len(words)
        index = np.arange(total)
        position = index - np.repeat(np.cumsum(lengths) - lengths, lengths)
        length = np.repeat(lengths, lengths)
        ids = self._ids(words)  # may grow self._blocks, so before indexing it
        blocks = self._blocks[ids]
        scores = blocks[:, _OWN].copy()
        # Neighbour features: token i gets row _AS_MINUS1 of word i-1, and so on; pads at the edges.
        for offset, row in ((-2, _AS_MINUS2), (-1, _AS_MINUS1), (1, _AS_PLUS1), (2, _AS_PLUS2)):
            shifted = np.zeros_like(scores)
            if offset < 0:
                shifted[-offset:] = blocks[:offset, row]
                inside = position + offset >= 0
            else:
                shifted[:-offset] = blocks[offset:, row]
                inside = position + offset < length
            scores += np.where(inside[:, None], shifted, self._pad[offset])
        scores[position == 0] += self._bos
        scores[position == length - 1] += self._eos
        scores += self._run_scores(words, position)
        lowers = [w.lower() for w in words]
        self._pair_scores(lowers, position, length, scores)
        self._lexicon_scores(lowers, position, length, scores)
        return scores, position, lengths

    def _run_scores(self, words: Sequence[str], position: np.ndarray) -> np.ndarray:
        """The run=<length>:<position> features of runs of capitalised tokens, within sentences."""
        caps = np.array([w[:1].isupper() for w in words], dtype=bool)  # features.is_cap
        before = np.concatenate([[False], caps[:-1]]) & (position > 0)
        first = caps & ~before
        run = np.cumsum(first) - 1
        starts = np.flatnonzero(first)
        sizes = np.bincount(run[caps], minlength=len(starts))
        at = np.zeros(len(words), dtype=np.int64)
        size = np.zeros(len(words), dtype=np.int64)
        at[caps] = np.flatnonzero(caps) - starts[run[caps]] + 1
        size[caps] = sizes[run[caps]]
        return self._runs[np.minimum(size, 5), np.minimum(at, 4)]

    def _pair_scores(self, lowers: Sequence[str], position: np.ndarray, length: np.ndarray,
                     out: np.ndarray) -> None:
        """Add the word-pair features: each adjacent pair inside a sentence adds to both of its
        words and to the word after it."""
        pairs = self._pairs
        lefts = self._pair_lefts
        for i in [k for k, lower in enumerate(lowers[:-1], start=1) if lower in lefts]:
            found = pairs.get(f"{lowers[i - 1]}|{lowers[i]}")
            if found is None or position[i] == 0:
                continue
            out[i] += found[0]
            out[i - 1] += found[1]
            if position[i] + 1 < length[i]:
                out[i + 1] += found[2]

    def _lexicon_scores(self, lowers: Sequence[str], position: np.ndarray, length: np.ndarray,
                        out: np.ndarray) -> None:
        """Add the longest-match lexicon entity features (gzB/gzI), left to right in each sentence."""
        longest = self.lexicon.longest
        free = 0  # first token not inside an earlier match
        for i in [k for k, lower in enumerate(lowers) if lower in longest]:
            if i < free:
                continue
            size, label = self.lexicon.match_at(lowers, i, i + int(length[i] - position[i]))
            if size:
                suffix = f"={label}/{min(size, 3)}"
                out[i] += self._weight("gzB" + suffix)
                out[i + 1 : i + size] += self._weight("gzI" + suffix)
                free = i + size

    # --- decoding ------------------------------------------------------------------------

    def decode(self, sentences: Sequence[Sequence[str]]) -> list[tuple[list[str], list[float]]]:
        """Viterbi tags and the marginal of each chosen tag, for every sentence (none empty)."""
        if not sentences:
            return []
        scores, position, lengths = self.state_scores(sentences)
        # Columns sorted longest first, so the recursions can shrink to the sentences still going.
        order = np.argsort(-lengths, kind="stable")
        column_of = np.empty_like(order)
        column_of[order] = np.arange(len(order))
        column = np.repeat(column_of, lengths)
        padded = np.zeros((int(lengths.max()), len(sentences), len(self.labels)))
        padded[position, column] = scores
        paths, marginals = _viterbi_and_marginals(padded, lengths[order], self.transitions)
        best = paths[position, column]
        chosen = marginals[position, column, best].tolist()
        labels = [self.labels[y] for y in best.tolist()]
        out = []
        start = 0
        for n in lengths.tolist():
            out.append((labels[start : start + n], chosen[start : start + n]))
            start += n
        return out


def _file_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path.resolve()), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=4)
def _read_weights(path: str, mtime_ns: int, size: int
                  ) -> tuple[tuple[str, ...], dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """Labels, state features and transitions of a model file, read once per process (forked
    workers inherit them). CRFsuite only gives its weights as a text dump; this reads it like
    `pycrfsuite.Tagger.info()` does, 5x faster (string splits instead of a regex per line)."""
    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    with tempfile.TemporaryDirectory(prefix="crf-dump-") as folder:
        dump = Path(folder) / "model.txt"
        tagger.dump(str(dump))
        lines = dump.read_text(encoding="utf-8").splitlines()
    return tuple(tagger.labels()), *parse_dump(lines)


def parse_dump(lines: Iterable[str]) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """State features {(attribute, label): weight} and transitions {(label, label): weight} of a
    CRFsuite model dump (lines like `(0) w=jakarta --> B-LOC: 1.234567`)."""
    sections: dict[str, dict[tuple[str, str], float]] = {"TRANSITIONS": {}, "STATE_FEATURES": {}}
    current: dict[tuple[str, str], float] | None = None
    for raw in lines:
        line = raw.lstrip()
        if line.endswith(" = {"):
            current = sections.get(line[:-4])
        elif line == "}":
            current = None
        elif current is not None and line:
            pair, _, weight = line.rpartition(": ")
            source, _, target = pair.partition(") ")[2].rpartition(" --> ")
            current[(source, target)] = float(weight)
    return sections["STATE_FEATURES"], sections["TRANSITIONS"]


def _viterbi_and_marginals(states: np.ndarray, lengths: np.ndarray,
                           transitions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best paths and per-label marginals for sentences padded to (positions, sentences, labels).

    Sentences are sorted longest first, so at position t only the first `active[t]` columns,
    those longer than t, take part. Viterbi runs in log space; forward-backward runs on
    exponentiated scores rescaled at every step (as CRFsuite does), then each position's
    marginals are normalised. Products go through `einsum`, not BLAS (`@`): BLAS rounding depends
    on the batch size, and scores must not depend on how sentences were batched (releases are
    byte-reproducible; tests/test_ner_model.py checks it).
    """
    positions, count, size = states.shape
    active = [int((lengths > t).sum()) for t in range(positions)]
    delta = np.empty_like(states)
    back = np.zeros((positions, count, size), dtype=np.int8)
    delta[0] = states[0]
    for t in range(1, positions):
        k = active[t]
        candidates = delta[t - 1, :k, :, None] + transitions
        best = candidates.argmax(axis=1)
        back[t, :k] = best
        delta[t, :k] = np.take_along_axis(candidates, best[:, None, :], axis=1)[:, 0, :] + states[t, :k]
    paths = np.zeros((positions, count), dtype=np.int64)
    last = lengths - 1
    columns = np.arange(count)
    current = delta[last, columns].argmax(axis=1)
    for t in range(positions - 1, -1, -1):
        k = active[t]
        ending = last[:k] == t
        paths[t, :k][ending] = current[:k][ending]
        if t + 1 < positions and (following := active[t + 1]):
            paths[t, :following] = back[t + 1, columns[:following], paths[t + 1, :following]]
    exp_transitions = np.exp(transitions)
    exp_states = np.exp(states - states.max(axis=2, keepdims=True))
    alpha = np.zeros_like(states)
    alpha[0] = exp_states[0] / exp_states[0].sum(axis=1, keepdims=True)
    for t in range(1, positions):
        k = active[t]
        step = np.einsum("ki,ij->kj", alpha[t - 1, :k], exp_transitions) * exp_states[t, :k]
        alpha[t, :k] = step / step.sum(axis=1, keepdims=True)
    beta = np.ones_like(states)
    for t in range(positions - 2, -1, -1):
        k = active[t + 1]  # only sentences that continue past t have a beta other than 1 at t
        step = np.einsum("kj,ij->ki", exp_states[t + 1, :k] * beta[t + 1, :k], exp_transitions)
        beta[t, :k] = step / step.sum(axis=1, keepdims=True)
    marginals = alpha * beta
    with np.errstate(invalid="ignore"):  # padded positions are 0/0; they are never read
        marginals /= marginals.sum(axis=2, keepdims=True)
    return paths, marginals
