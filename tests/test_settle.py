"""Settling categories from compact records (``kg.resolve.settle``) gives what
resolution settles from the facts, component by component."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from kg.gazetteer import load_gazetteer
from kg.records import (
    ArticleFacts,
    CategoryRef,
    CeremonyRef,
    CreditFact,
    Evidence,
    NominationFact,
    Ref,
)
from kg.resolve.facts import _nomination_facts, settle_categories
from kg.resolve.parts import linking_entities, name_maps
from kg.resolve.settle import (
    article_records,
    components,
    members,
    settle,
    unit_facts,
    units,
)

PEOPLE = ["Ada Quill", "Tomas Brandt", "Noor Okafor", "Lia Brandt", "Rob Hale", "Priya Raman"]
CATEGORIES = ["Best Lead Actor Drama", "Best Lead Actor Comedy", "Best Supporting Actor Drama",
              "Best Director"]


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def _award(gaz) -> str:
    return gaz.awards[0].name


def _fact(gaz, person: str, cands: tuple[str, ...] | None, article: str, sentence: int,
          year: int = 2021, costar: str | None = None) -> NominationFact:
    ev = Evidence(article, sentence * 100, sentence * 100 + 50, f"sentence {sentence}")
    cat = CategoryRef(_award(gaz), "a category", cands) if cands is not None else None
    return NominationFact(Ref("person", person), cat, None, CeremonyRef(_award(gaz), year),
                          False, ev, costar_of=Ref("person", costar) if costar else None)


def _corpus(gaz, seed: int) -> list[ArticleFacts]:
    rng = random.Random(seed)
    out = []
    for a in range(rng.randint(2, 7)):
        article = f"a{a}"
        noms = []
        for _ in range(rng.randint(1, 8)):
            k = rng.choice([0, 1, 1, 2, 3])
            cands = None if k == 0 else tuple(rng.sample(CATEGORIES, k))
            noms.append(_fact(gaz, rng.choice(PEOPLE), cands, article, rng.randint(0, 2),
                              rng.choice([2021, 2022])))
        out.append(ArticleFacts(article, f"{article}.txt", dt.date(2021, 1, 1),
                                nominations=noms))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_records_settle_as_resolution_does_whole_and_by_component(gaz, seed):
    """Random nominations (paraphrases, open categories, shared sentences):
    the records settle each as resolution does over every fact, and so does
    each component settled alone."""
    facts = _corpus(gaz, seed)
    ents = linking_entities(name_maps(facts, gaz), gaz)
    found, _ = _nomination_facts(ents, facts)
    expected = {}
    positions = {id(n): (f.article_id, pos) for f in facts for pos, n in enumerate(f.nominations)}
    for n, c in zip(found.facts, settle_categories(found, {}), strict=True):
        expected[positions[id(n)]] = c
    records = {f.article_id: article_records(f, ents) for f in facts}
    assert settle(records) == expected
    by_component = {}
    for part in components(records).values():
        by_component.update(settle(part))
    assert by_component == expected


def test_open_categories_in_one_sentence_join_and_a_settled_one_is_context(gaz):
    """Two nominees whose categories are open in one sentence are one
    component; a third named with one category in that sentence is not, but
    what it settles reaches them."""
    facts = [ArticleFacts("a1", "a1.txt", dt.date(2021, 1, 1), nominations=[
        _fact(gaz, "Ada Quill", None, "a1", 0),
        _fact(gaz, "Tomas Brandt", ("Best Lead Actor Drama", "Best Lead Actor Comedy"), "a1", 0),
        _fact(gaz, "Noor Okafor", ("Best Lead Actor Drama",), "a1", 0)])]
    ents = linking_entities(name_maps(facts, gaz), gaz)
    records = {"a1": article_records(facts[0], ents)}
    found = components(records)
    assert sorted(sorted(members(r)) for r in found.values()) == [
        ["person\x1fada quill", "person\x1ftomas brandt"], ["person\x1fnoor okafor"]]
    joined = found["person\x1fada quill"]
    assert settle(joined) == {("a1", 0): "Best Lead Actor Drama",
                              ("a1", 1): "Best Lead Actor Drama"}


def test_a_unit_is_a_member_with_its_costars_and_holds_only_their_facts(gaz):
    """Costars are one unit (their nominations lend each other works); the
    other members of a component are units of their own, each made from its
    own facts with the categories its component settled."""
    noms = [_fact(gaz, "Ada Quill", None, "a1", 0),
            _fact(gaz, "Rob Hale", None, "a1", 0),
            _fact(gaz, "Lia Brandt", ("Best Director",), "a1", 1, costar="Rob Hale")]
    f = ArticleFacts("a1", "a1.txt", dt.date(2021, 1, 1), nominations=noms,
                     credits=[CreditFact(Ref("person", "Ada Quill"), Ref("work", "Salt Road"),
                                         noms[0].evidence)])
    ents = linking_entities(name_maps([f], gaz), gaz)
    records = {"a1": article_records(f, ents)}
    [(root, component)] = components(records).items()
    assert root == "person\x1fada quill"
    found = units(component)
    assert {u: members(r) for u, r in found.items()} == {
        "person\x1fada quill": {"person\x1fada quill"},
        "person\x1flia brandt": {"person\x1flia brandt", "person\x1frob hale"}}
    chosen = settle(component)
    [ada], aligned = unit_facts(found["person\x1fada quill"], {"a1": f}.__getitem__, chosen)
    assert ada.nominations == [noms[0]] and len(ada.credits) == 1 and aligned == [None]
    [pair], aligned = unit_facts(found["person\x1flia brandt"], {"a1": f}.__getitem__, chosen)
    assert pair.nominations == noms[1:] and pair.credits == []
    assert aligned == [None, "Best Director"]
