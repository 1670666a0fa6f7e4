"""Indonesian affixes: every form of a stem is found by lookup, without stemming."""

from __future__ import annotations

import pytest

from builder.events.morphology import FormIndex, nasal_forms, surface_forms

INDEX = FormIndex(["tangkap", "serang", "bunuh", "temu", "kirim", "pukul", "ambil", "lahir", "nikah", "rampok",
                   "tembak", "kunjung", "pilih", "suap", "datang"])


@pytest.mark.parametrize(("word", "stem", "prefix", "suffix"), [
    ("menangkap", "tangkap", "meN", ""), ("ditangkap", "tangkap", "di", ""), ("penangkapan", "tangkap", "peN", "an"),
    ("ditangkapnya", "tangkap", "di", "nya"), ("menyerang", "serang", "meN", ""), ("penyerangan", "serang", "peN", "an"),
    ("pembunuhan", "bunuh", "peN", "an"), ("pertemuan", "temu", "per", "an"), ("bertemu", "temu", "ber", ""),
    ("mengirimkan", "kirim", "meN", "kan"), ("memukul", "pukul", "meN", ""), ("mengambil", "ambil", "meN", ""),
    ("kelahiran", "lahir", "ke", "an"), ("menikah", "nikah", "meN", ""), ("perampokan", "rampok", "peN", "an"),
    ("mengunjungi", "kunjung", "meN", "i"), ("kedatangan", "datang", "ke", "an"), ("menyuap", "suap", "meN", ""),
])
def test_affixed_forms_lead_back_to_their_stem(word: str, stem: str, prefix: str, suffix: str) -> None:
    form = INDEX.get(word)
    assert form is not None and (form.stem, form.prefix, form.suffix) == (stem, prefix, suffix)


def test_reduplication_and_unknown_words() -> None:
    assert INDEX.get("tembak-menembak").stem == "tembak"  # type: ignore[union-attr]
    assert INDEX.get("pukul-pukul").stem == "pukul"  # type: ignore[union-attr]
    assert INDEX.get("rumah") is None and INDEX.get("tangkapan-x") is None


def test_nasal_assimilation_keeps_the_unassimilated_variant_where_usage_varies() -> None:
    assert nasal_forms("me", "kritik") == ["mengritik", "mengkritik"]
    assert nasal_forms("pe", "pukul") == ["pemukul", "pempukul"]
    assert "mempunyai" in surface_forms("punya")


def test_the_table_does_not_depend_on_the_order_of_stems() -> None:
    stems = ["tangkap", "angkap", "kapal", "tembak"]
    words = ["menangkap", "mengangkap", "tangkapan", "kapalnya"]
    assert [FormIndex(stems).get(w) for w in words] == [FormIndex(reversed(stems)).get(w) for w in words]


def test_the_reciprocal_ber_an_confix_is_no_form_of_an_event_stem() -> None:
    # bergantian ("in turns") is no replacement in office, berhubungan no contact; ber- alone still is
    index = FormIndex(["ganti", "hubung", "temu"])
    assert index.get("bergantian") is None and index.get("berhubungan") is None
    assert index.get("bergantiannya") is None
    assert index.get("bertemu") is not None and index.get("pergantian") is not None
