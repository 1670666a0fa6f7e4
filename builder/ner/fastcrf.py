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
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pycrfsuite

from builder.ner.features import NEIGHBOUR_VALUES, OWN_TEMPLATES, EntityLexicon, is_cap

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
        # For IOB2: each label's entity type (-1 for O), whether it is an I-, and the B- of its type.
        self._tag_names = list(self.labels)
        types = {label[2:] for label in self.labels if label != "O"}
        self._tag_names += sorted(f"B-{t}" for t in types if f"B-{t}" not in self.labels)
        type_ids = {t: k for k, t in enumerate(sorted(types))}
        self._types = np.array([type_ids.get(label[2:], -1) if label != "O" else -1 for label in self.labels])
        self._inside = np.array([label.startswith("I-") for label in self.labels])
        self._begin_of = np.array([self._tag_names.index(f"B-{label[2:]}") if label.startswith("I-") else k
                                   for k, label in enumerate(self.labels)])
        self.transitions = np.zeros((size, size))
        for (before, after), weight in transitions.items():
            self.transitions[index[before], index[after]] = weight
        self.lexicon = lexicon
        zero = np.zeros(size)
        self._zero = zero
        self._pad = {o: self._weight(f"{o}w=<pad>") for o in (-2, -1, 1, 2)}
        self._bos = self._weight("BOS")
        self._eos = self._weight("EOS")
        self._runs = np.array([[self._weight(f"run={length}:{position}") if length else zero
                                for position in range(5)] for length in range(6)])
        # Word-pair features, keyed by "a|b": what the pair adds to b, to a, and to the word after b.
        pairs: dict[str, np.ndarray] = {}
        prefixes = {"-1w|w=": 0, "w|+1w=": 1, "-2w|-1w=": 2}
        for attribute, k in rows.items():
            if "|" in attribute and (row := prefixes.get(attribute[: attribute.find("=") + 1])) is not None:
                pairs.setdefault(attribute[attribute.find("=") + 1 :], np.zeros((3, size)))[row] = self._matrix[k]
        self._pair_words, self._pair_codes, self._pair_rows, self._pair_vectors = _pair_table(pairs, size)
        self._pair_base = max(1, len(self._pair_words))
        # Per cached word (by id): its block, whether it is capitalised, its id among the pairs'
        # words and among the lexicon entities' words (-1 if it is in none).
        self._vocabulary: dict[str, int] = {}
        self._blocks = np.zeros((1024, 5, size))
        self._caps = np.zeros(1024, dtype=bool)
        self._pair_ids = np.full(1024, -1, dtype=np.int64)
        self._lexicon_ids = np.full(1024, -1, dtype=np.int64)
        self._trie = _EntityTrie(lexicon.entities)
        self._templates = _block_templates(lexicon)
        self._template_weights = _template_weights(rows, self._matrix, {name for _, name, _ in self._templates})
        labels_seen = self._trie.labels
        # gzB/gzI weights by (entity label, min(entity length, 3)).
        self._gz = {part: np.array([[self._weight(f"{part}={label}/{n}") if n else zero for n in range(4)]
                                    for label in labels_seen]) for part in ("gzB", "gzI")}

    # --- per-word blocks ---------------------------------------------------------------

    def _weight(self, attribute: str) -> np.ndarray:
        row = self._attribute_rows.get(attribute)
        return self._zero if row is None else self._matrix[row]

    def _add_blocks(self, tokens: Sequence[str], first: int) -> None:
        """Fill the blocks (and flags) of new words, which get ids first, first + 1, ...

        Each template's weights are gathered for all new words at once and added in the order
        `sentence_features` lists the features: the same sums, to the last bit, as adding the
        words' feature weights one by one (as this decoder did before).
        """
        needed = first + len(tokens)
        if needed > len(self._blocks):
            grown = max(needed, 2 * len(self._blocks))
            self._blocks = _grow(self._blocks, grown, 0.0)
            self._caps = _grow(self._caps, grown, False)
            self._pair_ids = _grow(self._pair_ids, grown, -1)
            self._lexicon_ids = _grow(self._lexicon_ids, grown, -1)
        words = [t if t.isascii() else unicodedata.normalize("NFC", t) for t in tokens]
        lowers = [w.lower() for w in words]
        self._caps[first:needed] = [is_cap(w) for w in words]
        self._pair_ids[first:needed] = [self._pair_words.get(w, -1) for w in lowers]
        self._lexicon_ids[first:needed] = [self._trie.words.get(w, -1) for w in lowers]
        blocks = np.zeros((len(words), 5, len(self.labels)))
        values: dict[Callable[[str, str], str | None], list[str | None]] = {}
        for row, name, value_of in self._templates:
            if value_of not in values:
                values[value_of] = list(map(value_of, words, lowers))
            index, weights = self._template_weights[name]
            blocks[:, row] += weights[[index.get(v, 0) for v in values[value_of]]]  # type: ignore[arg-type]
        self._blocks[first:needed] = blocks

    def _ids(self, tokens: Sequence[str]) -> np.ndarray:
        """The cached word id of every token (as written: the NFC form is taken once, for a new word)."""
        vocabulary = self._vocabulary
        if len(vocabulary) + len(tokens) > _CACHE_LIMIT:
            vocabulary.clear()
        ids = list(map(vocabulary.get, tokens))
        if None in ids:
            first = len(vocabulary)
            new = [w for w in dict.fromkeys(w for w, i in zip(tokens, ids, strict=True) if i is None)]
            vocabulary.update(zip(new, range(first, first + len(new)), strict=True))
            self._add_blocks(new, first)
            ids = list(map(vocabulary.__getitem__, tokens))
        return np.array(ids, dtype=np.int64)

    # --- state scores --------------------------------------------------------------------

    def state_scores(self, sentences: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Summed feature weights (tokens, labels) of every token of the batch, one row per token,
        as CRFsuite computes them for `sentence_features`; also each token's position and its
        sentence's length."""
        tokens = [t for sentence in sentences for t in sentence]
        lengths = np.fromiter(map(len, sentences), dtype=np.int64, count=len(sentences))
        total = len(tokens)
        index = np.arange(total)
        position = index - np.repeat(np.cumsum(lengths) - lengths, lengths)
        length = np.repeat(lengths, lengths)
        ids = self._ids(tokens)  # may grow the per-word arrays, so before indexing them
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
        scores += self._run_scores(self._caps[ids], position)
        self._pair_scores(self._pair_ids[ids], position, length, scores)
        self._lexicon_scores(ids, position, length, scores)
        return scores, position, lengths

    def _run_scores(self, caps: np.ndarray, position: np.ndarray) -> np.ndarray:
        """The run=<length>:<position> features of runs of capitalised tokens, within sentences."""
        before = np.concatenate([[False], caps[:-1]]) & (position > 0)
        first = caps & ~before
        run = np.cumsum(first) - 1
        starts = np.flatnonzero(first)
        sizes = np.bincount(run[caps], minlength=len(starts))
        at = np.zeros(len(caps), dtype=np.int64)
        size = np.zeros(len(caps), dtype=np.int64)
        at[caps] = np.flatnonzero(caps) - starts[run[caps]] + 1
        size[caps] = sizes[run[caps]]
        return self._runs[np.minimum(size, 5), np.minimum(at, 4)]

    def _pair_scores(self, pair_ids: np.ndarray, position: np.ndarray, length: np.ndarray,
                     out: np.ndarray) -> None:
        """Add the word-pair features: each adjacent pair inside a sentence adds to both of its
        words and to the word after it. Pairs are found as integer codes of their two words."""
        if not len(self._pair_codes):
            return
        at = np.flatnonzero((pair_ids[:-1] >= 0) & (pair_ids[1:] >= 0) & (position[1:] > 0)) + 1
        codes = pair_ids[at - 1] * self._pair_base + pair_ids[at]
        slots = np.minimum(np.searchsorted(self._pair_codes, codes), len(self._pair_codes) - 1)
        hit = self._pair_codes[slots] == codes
        at = at[hit]
        vectors = self._pair_vectors[self._pair_rows[slots[hit]]]
        # In this order a token gets the pair before it (as the word after), then its own pair as
        # the second word, then as the first: the order a left-to-right loop over the pairs adds
        # them in, so the scores do not depend on doing it for the whole batch at once.
        after = position[at] + 1 < length[at]
        out[at[after] + 1] += vectors[after, 2]
        out[at] += vectors[:, 0]
        out[at - 1] += vectors[:, 1]

    def _lexicon_scores(self, ids: np.ndarray, position: np.ndarray, length: np.ndarray,
                        out: np.ndarray) -> None:
        """Add the longest-match lexicon entity features (gzB/gzI), left to right in each sentence,
        as `features.lexicon_features` finds them with `EntityLexicon.match_at`."""
        starts, sizes, labels = self._trie.longest_matches(self._lexicon_ids[ids], position, length)
        # Left to right, a match starting inside an earlier accepted one is dropped. Only matches of
        # two tokens or more can cover a later start, so only they need the loop.
        keep = np.ones(len(starts), dtype=bool)
        free = 0
        for k in np.flatnonzero(sizes > 1).tolist():
            if starts[k] < free:
                keep[k] = False
            else:
                free = int(starts[k] + sizes[k])
        multi = keep & (sizes > 1)
        covered = np.zeros(len(ids) + 1, dtype=np.int64)
        np.add.at(covered, starts[multi] + 1, 1)
        np.add.at(covered, starts[multi] + sizes[multi], -1)
        keep &= np.cumsum(covered)[starts] == 0  # inside an accepted longer match (not its first token)
        starts, sizes, labels = starts[keep], sizes[keep], labels[keep]
        bucket = np.minimum(sizes, 3)
        out[starts] += self._gz["gzB"][labels, bucket]
        inner = np.repeat(starts, sizes - 1) + _ranks(sizes - 1) + 1
        out[inner] += np.repeat(self._gz["gzI"][labels, bucket], sizes - 1, axis=0)

    # --- decoding ------------------------------------------------------------------------

    def decode(self, sentences: Sequence[Sequence[str]]) -> list[tuple[tuple[str, ...], tuple[float, ...]]]:
        """Viterbi tags (IOB2) and the marginal of each chosen tag (within [0, 1]), for every
        sentence (none empty)."""
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
        chosen = np.clip(marginals[position, column, best], 0.0, 1.0).tolist()
        # IOB2, as builder.ner.conll.to_iob2 makes it: an I- that does not continue its type is a B-.
        previous = np.where(position > 0, self._types[np.roll(best, 1)], -1)
        best = np.where(self._inside[best] & (previous != self._types[best]), self._begin_of[best], best)
        labels = [self._tag_names[y] for y in best.tolist()]
        out = []
        start = 0
        for n in lengths.tolist():
            out.append((tuple(labels[start : start + n]), tuple(chosen[start : start + n])))
            start += n
        return out


def _block_templates(lexicon: EntityLexicon) -> list[tuple[int, str, Callable[[str, str], str | None]]]:
    """What a word puts in each row of its block: (row, feature name, the word's value for it), in
    the order `features.sentence_features` lists a token's features (see the module doc)."""
    def tendency(word: str, lower: str) -> str | None:
        return lexicon.words.get(lower) or None

    def tendency_label(word: str, lower: str) -> str | None:
        found = lexicon.words.get(lower)
        return found.split(":")[0] if found else None

    templates = [(_OWN, name, value_of) for name, value_of in OWN_TEMPLATES] + [(_OWN, "tk=", tendency)]
    for offset, row in ((2, _AS_PLUS2), (-2, _AS_MINUS2)):
        templates += [(row, f"{offset}{name}", NEIGHBOUR_VALUES[name]) for name in ("w=", "sh=")]
    for offset, row in ((-1, _AS_MINUS1), (1, _AS_PLUS1)):
        templates += [(row, f"{offset}{name}", value_of) for name, value_of in NEIGHBOUR_VALUES.items()]
        templates.append((row, f"{offset}tk=", tendency_label))
    return templates


def _template_weights(rows: Mapping[str, int], matrix: np.ndarray, names: set[str]
                      ) -> dict[str, tuple[dict[str, int], np.ndarray]]:
    """For each feature name, its values' rows {value: k} and their weights (row 0: zeros, for a
    value the model never saw): the attribute "w=jakarta" is value "jakarta" of name "w="."""
    found: dict[str, dict[str, int]] = {name: {} for name in names}
    for attribute, row in rows.items():
        if attribute in names:  # a flag: "b", "title", "1cap"
            found[attribute][""] = row
        elif (cut := attribute.find("=")) >= 0 and (name := attribute[: cut + 1]) in names:
            found[name][attribute[cut + 1 :]] = row
    out = {}
    for name, values in found.items():
        weights = np.zeros((len(values) + 1, matrix.shape[1]))
        weights[1:] = matrix[list(values.values())]
        out[name] = ({value: k for k, value in enumerate(values, start=1)}, weights)
    return out


class _EntityTrie:
    """The lexicon's entity strings as a trie over word ids, walked for all tokens of a batch at once.

    Node 0 is the root; a node's child by a word is found by the code node * len(words) + word id
    (sorted codes, `searchsorted`). Entity strings are split on spaces: a token with a space inside
    (the segmenter never makes one) matches no entity here, where joining strings could."""

    def __init__(self, entities: Mapping[str, str]) -> None:
        self.words: dict[str, int] = {}
        for key in entities:
            for word in key.split(" "):
                self.words.setdefault(word, len(self.words))
        self.labels = sorted(set(entities.values()))
        label_ids = {label: k for k, label in enumerate(self.labels)}
        base = max(1, len(self.words))
        children: dict[int, int] = {}
        ends = [-1]  # per node: the label id of the entity ending there, -1 if none
        depth = 0
        for key, label in entities.items():
            node = 0
            parts = key.split(" ")
            depth = max(depth, len(parts))
            for word in parts:
                code = node * base + self.words[word]
                if code not in children:
                    children[code] = len(ends)
                    ends.append(-1)
                node = children[code]
            ends[node] = label_ids[label]
        self._base = base
        self._depth = depth
        order = sorted(children)
        self._codes = np.array(order, dtype=np.int64)
        self._children = np.array([children[c] for c in order], dtype=np.int64)
        self._ends = np.array(ends, dtype=np.int64)

    def longest_matches(self, words: np.ndarray, position: np.ndarray, length: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For every token that starts an entity within its sentence: (token index, tokens in the
        longest such entity, its label id), in token order. `words` are the tokens' word ids."""
        total = len(words)
        starts = np.flatnonzero(words >= 0)
        sizes = np.zeros(len(starts), dtype=np.int64)
        labels = np.zeros(len(starts), dtype=np.int64)
        if not len(self._codes) or not len(starts):
            return starts, sizes, labels
        ends = starts - position[starts] + length[starts]
        nodes = np.zeros(len(starts), dtype=np.int64)
        alive = np.arange(len(starts))
        for step in range(self._depth):
            at = starts[alive] + step
            inside = at < ends[alive]
            alive, at = alive[inside], at[inside]
            word = words[np.minimum(at, total - 1)]
            codes = nodes[alive] * self._base + word
            slots = np.minimum(np.searchsorted(self._codes, codes), len(self._codes) - 1)
            hit = (word >= 0) & (self._codes[slots] == codes)
            alive = alive[hit]
            if not len(alive):
                break
            nodes[alive] = self._children[slots[hit]]
            label = self._ends[nodes[alive]]
            ending = alive[label >= 0]
            sizes[ending] = step + 1
            labels[ending] = label[label >= 0]
        found = sizes > 0
        return starts[found], sizes[found], labels[found]


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., n - 1 for every n in counts, concatenated."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)


def _pair_table(pairs: dict[str, np.ndarray], size: int
                ) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """Word-pair weights keyed by integers: an id for every word a pair can start or end with,
    each pair's code (left id * number of words + right id, sorted, for `searchsorted`), the
    row of its (3, labels) weights for each code, and those weights.

    A key "a|b|c" (a word may hold a "|") is registered under both of its splits: whichever two
    tokens join to it carry the feature."""
    splits = [(key[:i], key[i + 1 :], row) for row, key in enumerate(pairs)
              for i, char in enumerate(key) if char == "|"]
    words: dict[str, int] = {}
    for left, right, _ in splits:
        words.setdefault(left, len(words))
        words.setdefault(right, len(words))
    base = max(1, len(words))
    codes = np.array([words[left] * base + words[right] for left, right, _ in splits], dtype=np.int64)
    rows = np.array([row for _, _, row in splits], dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    vectors = np.stack(list(pairs.values())) if pairs else np.zeros((0, 3, size))
    return words, codes[order], rows[order], vectors


def _grow(array: np.ndarray, size: int, fill: object) -> np.ndarray:
    """`array` extended along its first axis to `size` rows of `fill`."""
    grown = np.full((size, *array.shape[1:]), fill, dtype=array.dtype)
    grown[: len(array)] = array
    return grown


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
    # active[t]: sentences longer than t (lengths are sorted longest first); active[positions] = 0.
    active = np.searchsorted(-lengths, -np.arange(positions + 1), side="left").tolist()
    delta = np.empty_like(states)
    back = np.zeros((positions, count, size), dtype=np.int8)
    delta[0] = states[0]
    into = np.ascontiguousarray(transitions.T)  # [to, from]: argmax runs along the last axis
    cells = np.arange(count * size)
    for t in range(1, positions):
        k = active[t]
        candidates = (delta[t - 1, :k, None, :] + into).reshape(k * size, size)
        best = candidates.argmax(axis=1)
        back[t, :k] = best.reshape(k, size)
        delta[t, :k] = candidates[cells[: k * size], best].reshape(k, size) + states[t, :k]
    paths = np.zeros((positions, count), dtype=np.int64)
    columns = np.arange(count)
    current = delta[lengths - 1, columns].argmax(axis=1)
    for t in range(positions - 1, -1, -1):
        # The sentences that end at t (columns active[t + 1] to active[t]) start their path there.
        paths[t, active[t + 1] : active[t]] = current[active[t + 1] : active[t]]
        if following := active[t + 1]:
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
