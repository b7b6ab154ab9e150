"""Settling only what a change reaches (``kg.storerecords``) gives what
settling every record gives, and units found by walking costar links are
the units of the whole corpus's records."""

from __future__ import annotations

import random

import pytest

from kg.resolve.settle import ArticleRecords, NominationRecord, Records, settle, units
from kg.storerecords import KeptRecords, Units, reach

PEOPLE = ["person\x1fada quill", "person\x1frob hale", "person\x1fnoor okafor",
          "person\x1flia brandt", "person\x1fcal moss", "person\x1fdee park"]
CEREMONIES = ["ceremony\x1fgala 2021", "ceremony\x1fgala 2022"]
CATEGORIES = ["lead actor drama", "lead actor comedy", "supporting actor", "director"]


class _State:
    """What ``KeptRecords`` reads of a store's parts, over records in memory."""

    def __init__(self, records: Records) -> None:
        self.by_article = records

    def records(self, article: str) -> ArticleRecords:
        return self.by_article.get(article, ArticleRecords())

    def articles_owned_by(self, pid: str) -> list[str]:
        return sorted(a for a, r in self.by_article.items() if pid in r.owners())

    def articles_naming_costar(self, pid: str) -> list[str]:
        return sorted(a for a, r in self.by_article.items()
                      if any(n.costar == pid for n in r.nominations))


def _article(rng: random.Random) -> ArticleRecords:
    """One article's records, as ``article_records`` makes them: an open
    nomination carries what the settled ones of its sentence name."""
    drawn = []
    for pos in range(rng.randint(1, 6)):
        k = rng.choice([0, 1, 1, 1, 2, 3])
        cands = None if k == 0 else tuple(rng.sample(CATEGORIES, k))
        sentence = rng.randint(0, 2)
        costar = rng.choice(PEOPLE) if rng.random() < 0.15 else None
        drawn.append((pos, rng.choice(PEOPLE), rng.choice(CEREMONIES), sentence, cands, costar))
    settled: dict[int, set[str]] = {}
    for _, _, _, sentence, cands, _ in drawn:
        if cands is not None and len(cands) == 1:
            settled.setdefault(sentence, set()).add(cands[0])
    noms = []
    for pos, owner, ceremony, sentence, cands, costar in drawn:
        is_open = cands is None or len(cands) != 1
        context = frozenset(settled[sentence]) if is_open and sentence in settled else None
        noms.append(NominationRecord(pos, owner, ceremony, sentence * 100, sentence * 100 + 50,
                                     cands, context, costar))
    credits = tuple((pos, rng.choice(PEOPLE)) for pos in range(rng.randint(0, 1)))
    return ArticleRecords(tuple(noms), credits)


def _corpus(rng: random.Random) -> Records:
    return {f"a{i}": _article(rng) for i in range(rng.randint(3, 9))}


@pytest.mark.parametrize("seed", range(80))
def test_settling_what_a_change_reaches_gives_what_settling_everything_gives(seed):
    rng = random.Random(seed)
    before = _corpus(rng)
    changed = rng.choice([*before, "a99"])  # replaced, or added
    after = {**before, changed: _article(rng)}
    everything_before, everything_after = settle(before), settle(after)
    old = before.get(changed, ArticleRecords())
    groups = {(r.owner, r.ceremony) for r in old.nominations + after[changed].nominations}
    sentences = {(changed, r.start, r.end) for r in after[changed].nominations}
    reached = reach(KeptRecords(_State(after)), groups, sentences)
    again = settle(reached)
    assert again == {key: everything_after[key] for key in again}
    assert {(changed, r.pos) for r in after[changed].nominations} <= again.keys()
    for key, category in everything_after.items():
        if key not in again:
            assert everything_before[key] == category, key


def test_a_reach_stops_where_no_open_fact_leads_on():
    """Two nominees share an open sentence, and so a component; a settled
    nomination of a third, and of one of them at another ceremony, reaches
    neither that sentence nor the other article."""
    ada, rob, dee = PEOPLE[0], PEOPLE[1], PEOPLE[5]
    gala, other = CEREMONIES
    shared = ArticleRecords((NominationRecord(0, ada, gala, 0, 50, None, None, None),
                             NominationRecord(1, rob, gala, 0, 50, None, None, None)))
    new = ArticleRecords((NominationRecord(0, dee, gala, 0, 50, ("director",), None, None),
                          NominationRecord(1, rob, other, 60, 90, ("director",), None, None)))
    kept = KeptRecords(_State({"shared": shared, "new": new}))
    reached = reach(kept, {(dee, gala), (rob, other)}, {("new", 0, 50), ("new", 60, 90)})
    assert list(reached) == ["new"]
    # an open one at the shared nominees' ceremony reaches their sentence
    opened = ArticleRecords((NominationRecord(0, rob, gala, 0, 50, None, None, None),))
    kept = KeptRecords(_State({"shared": shared, "new": opened}))
    assert list(reach(kept, {(rob, gala)}, {("new", 0, 50)})) == ["new", "shared"]


@pytest.mark.parametrize("seed", range(40))
def test_units_found_by_walking_costars_are_the_corpus_units(seed):
    records = _corpus(random.Random(seed))
    found = Units(KeptRecords(_State(records)))
    whole = units(records)
    for unit, theirs in whole.items():
        for member in {o for recs in theirs.values() for o in recs.owners()}:
            assert found.unit_of(member) == unit
        assert found.records(unit) == theirs
    assert found.unit_of("person\x1fnobody") is None
