"""Splits never move: pinned by the previous release, near-duplicates follow their group, small corpora get all splits."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from builder.release.neardup import Groups
from builder.release.splits import hash_point, leader_order, plan_splits, split_of_point
from builder.workspace.layout import Workspace
from tests.release.conftest import Release, read_rows

RATIOS = (0.8, 0.1, 0.1)


def _groups(members: dict[str, list[str]]) -> Groups:
    return Groups({a: leader for leader, group in members.items() for a in group})


def _star_groups(stories: list[list[str]], previous: dict[str, str]) -> Groups:
    """What the LSH grouping does with these stories: leaders in leader_order, every member joins its story's leader."""
    order = leader_order([a for story in stories for a in story], previous)
    members = {}
    for story in stories:
        leader = min(story, key=order.index)
        members[leader] = [leader] + [a for a in story if a != leader]
    return _groups(members)


def test_near_duplicates_with_smaller_ids_never_move_a_split() -> None:
    """200 random trials: version 2 adds near-duplicates whose ids sort before their group's; nothing pinned moves."""
    rng = random.Random(17)
    for _ in range(200):
        stories = [[f"{rng.getrandbits(64):016x}" for _ in range(rng.randint(1, 3))] for _ in range(rng.randint(3, 40))]
        first = plan_splits(_star_groups(stories, {}), RATIOS, {})
        grown = [story + [f"{'0' * rng.randint(1, 4)}{rng.getrandbits(32):08x}"] if rng.random() < 0.5 else story
                 for story in stories]
        second = plan_splits(_star_groups(grown, first.pins), RATIOS, first.pins)
        assert {a: second.split_of[a] for a in first.split_of} == first.split_of
        assert not second.moved
        for story in grown:  # a new near-duplicate joins its group's split
            assert len({second.split_of[a] for a in story}) == 1


def test_without_pins_the_old_rule_would_have_moved_groups() -> None:
    """The reason pins exist: naming a group after its smallest id moves it when a smaller id arrives."""
    rng = random.Random(3)
    moved = 0
    for _ in range(200):
        story = [f"8{rng.getrandbits(60):015x}"]
        newcomer = f"0{rng.getrandbits(60):015x}"
        moved += split_of_point(hash_point(story[0]), RATIOS) != split_of_point(hash_point(newcomer), RATIOS)
    assert moved > 0


def test_resplit_moves_only_when_asked_and_lists_moves() -> None:
    groups = _groups({a: [a] for a in ("a1", "b2", "c3", "d4")})
    pinned = {a: "test" for a in ("a1", "b2", "c3", "d4")}
    kept = plan_splits(groups, RATIOS, pinned)
    assert kept.split_of == pinned and not kept.moved
    redone = plan_splits(groups, RATIOS, pinned, resplit=True)
    assert redone.moved == {a: ("test", s) for a, s in redone.split_of.items() if s != "test"}
    assert redone.moved


def test_pins_of_absent_articles_are_carried_forward() -> None:
    plan = plan_splits(_groups({"new": ["new"]}), RATIOS, {"gone": "validation"})
    assert plan.pins["gone"] == "validation" and "new" in plan.pins


def test_small_corpus_gets_every_split() -> None:
    for seed in range(50):
        rng = random.Random(seed)
        ids = [f"{rng.getrandbits(64):016x}" for _ in range(6)]
        plan = plan_splits(_groups({a: [a] for a in ids}), RATIOS, {})
        assert set(plan.split_of.values()) == {"train", "validation", "test"}, seed
        assert not plan.warnings


def test_too_few_articles_warn() -> None:
    plan = plan_splits(_groups({"only": ["only"], "two": ["two"]}), RATIOS, {})
    assert len(set(plan.split_of.values())) == 2
    assert plan.warnings and "split is empty: 2 article group(s) are too few" in plan.warnings[0]


def test_a_split_with_no_share_stays_empty() -> None:
    ids = [f"a{i}" for i in range(10)]
    plan = plan_splits(_groups({a: [a] for a in ids}), (0.9, 0.0, 0.1), {})
    assert "validation" not in plan.split_of.values() and not plan.warnings


def test_release_pins_survive_a_near_duplicate_added_later(ready: Workspace, tmp_path: Path, release: Release,
                                                           examples_dir: Path) -> None:
    """End to end: version 2 ingests a syndicated copy of an article; no released article changes split."""
    from builder.ingest.run import ingest
    from builder.prelabel.engines.local import prelabel_workspace
    from tests.release.conftest import rule_prelabeller

    first = release(ready, tmp_path / "releases", "0.1.0")
    before = {r["article_id"]: r["split"] for r in read_rows(first)}
    body = (examples_dir / "okezone-kazakhstan.txt").read_text(encoding="utf-8")
    copies = tmp_path / "copies"
    copies.mkdir()
    syndicated = body.replace("ALMATY –", "ALMATY (ANTARA) –").replace("sebagaimana dilansir Reuters", "kata Reuters")
    (copies / "copy.txt").write_text(syndicated, encoding="utf-8")
    ingest([copies], workspace=ready)
    prelabel_workspace(ready, rule_prelabeller)
    second = release(ready, tmp_path / "releases", "0.2.0")
    after = {r["article_id"]: r["split"] for r in read_rows(second)}
    assert {a: after[a] for a in before} == before
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["articles_moved_split"] == 0
    new = set(after) - set(before)
    assert len(new) == 1
    original = next(a for a in before if a in {r["article_id"] for r in read_rows(first) if "Kazakhstan" in r["text"]})
    assert after[new.pop()] == before[original]
    assert manifest["counts"]["near_duplicate_groups"] == 1


def test_release_resplit_is_listed(ready: Workspace, tmp_path: Path, release: Release) -> None:
    release(ready, tmp_path, "0.1.0")
    second = release(ready, tmp_path, "0.2.0", ratios=(0.0, 0.0, 1.0), resplit=True)
    changes = (second / "CHANGES.md").read_text()
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["articles_moved_split"] > 0
    assert f"- articles that moved split: {manifest['articles_moved_split']} (asked for with --resplit)" in changes
    assert "| article | before | now |" in changes
    assert {r["split"] for r in read_rows(second)} == {"test"}


@pytest.mark.parametrize("ratios", [(0.0, 0.0, 1.0), (1.0, 0.0, 0.0)])
def test_split_of_point_respects_zero_shares(ratios: tuple[float, float, float]) -> None:
    wanted = {s for s, r in zip(("train", "validation", "test"), ratios, strict=True) if r > 0}
    assert {split_of_point(p / 100, ratios) for p in range(100)} == wanted
