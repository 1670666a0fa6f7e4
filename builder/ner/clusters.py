"""Word clusters learnt without labels, used as CRF features.

Each frequent word gets a vector from its left and right neighbours (positive PMI of the
co-occurrence counts, reduced by a truncated SVD); k-means groups the vectors into fine
clusters, and k-means over the fine centroids groups those into coarser ones, so the ids
form a hierarchy like Brown-cluster bit-string prefixes. Everything runs with fixed seeds on
one thread: the same text gives the same table, byte for byte.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from builder.workspace.parts import atomic_write

CLUSTER_SUFFIX = ".clusters.tsv"


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    """Sizes of the vocabulary, the context and the cluster levels (coarse to fine)."""

    min_count: int = 3
    max_words: int = 40_000
    contexts: int = 2_000
    dimensions: int = 100
    levels: tuple[int, ...] = (32, 128, 512)
    seed: int = 0
    method: str = "word2vec"  # "word2vec" (gensim skip-gram) or "ppmi" (counts + SVD)
    window: int = 3  # word2vec context window
    epochs: int = 10  # word2vec passes over the text


@dataclass(frozen=True, slots=True)
class WordClusters:
    """Lower-cased word -> its cluster id at each level (coarse to fine)."""

    table: Mapping[str, tuple[str, ...]]

    def get(self, lower: str) -> tuple[str, ...]:
        return self.table.get(lower, ())

    @classmethod
    def load(cls, path: Path) -> WordClusters:
        table: dict[str, tuple[str, ...]] = {}
        with Path(path).open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.startswith("#"):
                    continue
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 2:
                    raise ValueError(
                        f"{path}:{number}: expected 'word<TAB>cluster ids', got {line[:60]!r}; "
                        "rewrite the cluster table with `builder train-ner`"
                    )
                table[parts[0]] = tuple(parts[1:])
        return cls(table)

    def dump(self, path: Path, model_name: str) -> None:
        lines = [f"# {model_name} word clusters: word, then cluster ids coarse to fine"]
        lines += ["\t".join((w, *ids)) for w, ids in sorted(self.table.items())]
        atomic_write(path, "\n".join(lines) + "\n")


def read_raw_tokens(path: Path) -> list[list[str]]:
    """Sentences of a `token<TAB>tag` file with blank lines between sentences (tags ignored)."""
    sentences: list[list[str]] = []
    current: list[str] = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            token = line.rstrip("\n").split("\t", 1)[0].strip()
            if not token:
                if current:
                    sentences.append(current)
                    current = []
                continue
            current.append(token)
    if current:
        sentences.append(current)
    return sentences


def learn_clusters(sentences: Iterable[Sequence[str]], options: ClusterOptions = ClusterOptions()) -> WordClusters:
    """Cluster the frequent words of the sentences (see the module doc)."""
    from scipy import sparse
    from sklearn.decomposition import TruncatedSVD
    from threadpoolctl import threadpool_limits

    lowered = [[unicodedata.normalize("NFC", t).lower() for t in s] for s in sentences]
    if options.method == "word2vec":
        return _cluster(*_word2vec(lowered, options), options)
    counts = Counter(w for s in lowered for w in s)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    vocabulary = [w for w, c in ranked[: options.max_words] if c >= options.min_count]
    word_id = {w: i for i, w in enumerate(vocabulary)}
    context_id = {w: i for i, w in enumerate(vocabulary[: options.contexts])}
    width = len(context_id) + 1  # +1: sentence boundary
    rows: list[int] = []
    cols: list[int] = []
    for sentence in lowered:
        padded = ["<s>", *sentence, "<s>"]
        for k in range(1, len(padded) - 1):
            row = word_id.get(padded[k])
            if row is None:
                continue
            for side, neighbour in ((0, padded[k - 1]), (1, padded[k + 1])):
                column = width - 1 if neighbour == "<s>" else context_id.get(neighbour)
                if column is not None:
                    rows.append(row)
                    cols.append(side * width + column)
    matrix = sparse.coo_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(vocabulary), 2 * width)
    ).tocsr()
    matrix.sum_duplicates()
    total = matrix.sum()
    row_sum = np.asarray(matrix.sum(axis=1)).ravel()
    col_sum = np.asarray(matrix.sum(axis=0)).ravel() ** 0.75  # context smoothing
    col_sum *= total / col_sum.sum()
    coo = matrix.tocoo()
    pmi = np.log(coo.data * total / (row_sum[coo.row] * col_sum[coo.col]))
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=matrix.shape)
    with threadpool_limits(limits=1):
        vectors = TruncatedSVD(options.dimensions, algorithm="randomized", n_iter=7,
                               random_state=options.seed).fit_transform(ppmi)
    return _cluster(vocabulary, vectors, options)


def _word2vec(lowered: list[list[str]], options: ClusterOptions) -> tuple[list[str], np.ndarray]:
    """Skip-gram vectors of the words seen `min_count` times (one worker, fixed seed)."""
    from gensim.models import Word2Vec

    model = Word2Vec(lowered, vector_size=options.dimensions, window=options.window,
                     min_count=options.min_count, sg=1, workers=1, seed=options.seed,
                     epochs=options.epochs, max_final_vocab=options.max_words)
    vocabulary = sorted(model.wv.index_to_key)
    return vocabulary, np.stack([model.wv[w] for w in vocabulary]).astype(np.float64)


def _cluster(vocabulary: list[str], vectors: np.ndarray, options: ClusterOptions) -> WordClusters:
    """k-means at the finest level, then k-means over its centroids for each coarser level."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        finest = KMeans(options.levels[-1], n_init=1, max_iter=100, random_state=options.seed)
        fine = finest.fit_predict(vectors)
        assignments = [fine]
        centroids = finest.cluster_centers_
        weights = np.bincount(fine, minlength=len(centroids)).astype(float)
        for k in reversed(options.levels[:-1]):
            coarse = KMeans(k, n_init=1, max_iter=100, random_state=options.seed)
            of_centroid = coarse.fit_predict(centroids, sample_weight=np.maximum(weights, 1e-6))
            assignments.insert(0, of_centroid[fine])
    table = {
        w: tuple(f"{level}" for level in ids)
        for w, *ids in zip(vocabulary, *(a.tolist() for a in assignments), strict=True)
    }
    return WordClusters(table)


def cluster_features(ids: tuple[str, ...], prefix: str = "c") -> list[str]:
    """Feature strings of a word's clusters: one per level."""
    return [f"{prefix}{level}={cid}" for level, cid in enumerate(ids)]
