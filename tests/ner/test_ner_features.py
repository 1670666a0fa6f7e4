"""Word clusters and place names as CRF features: parsing, learning, and deterministic training."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.ner.clusters import (
    ClusterOptions,
    WordClusters,
    learn_clusters,
    read_raw_tokens,
)
from builder.ner.crf import CrfNerModel, clusters_path, lexicon_path, places_path
from builder.ner.places import (
    PlaceNames,
    build_places,
    common_words,
    place_features,
    read_regions,
)
from builder.ner.train import CrfParams, NerCorpus, train_ner
from tests.ner.test_ner_model import (
    FIXTURE_SENTENCES,
    example_token_lists,
    write_fixture_corpus,
)

REGIONS_SQL = """-- Provinsi JAWA BARAT
INSERT INTO wilayah (kode, nama)
VALUES
('32','Jawa Barat'),
('32.73','Kota Bandung'),
('32.04','Kabupaten Bandung'),
('32.04.01','Baru'),
('32.04.01.2001','Sukamaju'),
('32.04.01.2002','Tanjung Baru'),
('35.78','Kota Surabaya');
"""

RAW = """Warga\tNN\nBaru\tNNP\ndatang\tVB\nke\tIN\nkota\tNN\nbaru\tJJ\nyang\tPR\nbaru\tJJ\n.\tSYM

Presiden\tNN\nJoko\tNNP\nWidodo\tNNP\ntiba\tVB\ndi\tIN\nBandung\tNNP\n.\tSYM
"""


def small_options(method: str = "ppmi") -> ClusterOptions:
    return ClusterOptions(min_count=1, dimensions=4, levels=(2, 4), method=method)


def write_side_data(root: Path) -> tuple[Path, Path]:
    raw, regions = root / "raw.txt", root / "wilayah.sql"
    raw.write_text(RAW, encoding="utf-8")
    regions.write_text(REGIONS_SQL, encoding="utf-8")
    return raw, regions


def test_regions_and_common_words(tmp_path: Path) -> None:
    _, regions = write_side_data(tmp_path)
    rows = read_regions(regions)
    assert rows[:3] == [("prov", "Jawa Barat"), ("kab", "Kota Bandung"), ("kab", "Kabupaten Bandung")]
    common = common_words(read_raw_tokens(tmp_path / "raw.txt"))
    assert "baru" in common and "bandung" not in common
    places = build_places(rows, ["Bandung", "Amerika Serikat"], common)
    # "Baru" (a district that is a common word) is dropped; the multi-token village stays.
    assert places.names == {"bandung": "world", "amerika serikat": "world", "jawa barat": "prov",
                            "kota bandung": "kab", "kabupaten bandung": "kab", "sukamaju": "desa",
                            "tanjung baru": "desa", "kota surabaya": "kab", "surabaya": "kab"}
    words = "Dari Tanjung Baru ke Kota Bandung dan tanjung baru".split()
    features = place_features(words, [w.lower() for w in words], places)
    assert features[1] == ["plB=desa/2"] and features[2] == ["plI=desa/2"]
    assert features[4] == ["plB=kab/2"] and features[7] == []  # lower case: no feature


def test_sql_without_rows_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.sql"
    path.write_text("-- nothing\n", encoding="utf-8")
    with pytest.raises(ValueError, match="empty.sql: no"):
        read_regions(path)


@pytest.mark.parametrize("method", ["ppmi", "word2vec"])
def test_clusters_are_deterministic_and_round_trip(tmp_path: Path, method: str) -> None:
    sentences = [text.split() for text, _ in FIXTURE_SENTENCES] * 3
    first, second = learn_clusters(sentences, small_options(method)), learn_clusters(sentences, small_options(method))
    assert first == second and len(first.table) > 10
    assert all(len(ids) == 2 for ids in first.table.values())
    first.dump(tmp_path / "c.tsv", "m")
    assert WordClusters.load(tmp_path / "c.tsv") == first


def test_training_with_clusters_and_places_is_deterministic(tmp_path: Path) -> None:
    write_fixture_corpus(tmp_path / "data" / "tiny")
    raw, regions = write_side_data(tmp_path)
    corpus = NerCorpus("tiny", ("all.txt",), "MIT", "tests")
    written = []
    for run in ("a", "b"):
        out = tmp_path / run
        train_ner(data_dir=tmp_path / "data", out_dir=out, dev_fraction=0.4, corpora=(corpus,),
                  params=CrfParams(max_iterations=20, lexicon_folds=2), raw_files=[raw], regions_file=regions,
                  cluster_options=small_options())
        model = out / "id_news.ner.crf.v1.crfsuite"
        written.append([p.read_bytes() for p in (model, lexicon_path(model), clusters_path(model),
                                                 places_path(model))])
    assert written[0] == written[1], "same data, same options: the same model bytes"
    model = CrfNerModel.load(tmp_path / "a" / "id_news.ner.crf.v1.crfsuite")
    assert isinstance(model.clusters, WordClusters) and isinstance(model.places, PlaceNames)
    sentences = [text.split() for text, _ in FIXTURE_SENTENCES] + example_token_lists()
    fast, reference = model.predict(sentences), model.predict_reference(sentences)
    assert [t.tags for t in fast] == [t.tags for t in reference]
    assert all(abs(a - b) < 1e-6 for f, r in zip(fast, reference, strict=True) for a, b in zip(f.scores, r.scores,
                                                                                              strict=True))


def test_missing_raw_text_names_the_path(tmp_path: Path) -> None:
    write_fixture_corpus(tmp_path / "data" / "tiny")
    corpus = NerCorpus("tiny", ("all.txt",), "MIT", "tests")
    with pytest.raises(FileNotFoundError, match="dataset_postag.txt not found"):
        train_ner(data_dir=tmp_path / "data", out_dir=tmp_path / "out", corpora=(corpus,))
