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
from kg.resolve.parts import articles_part, component_parts, linking_entities, name_maps
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


@pytest.mark.parametrize("seed", range(20))
def test_components_find_each_articles_main_ceremony_as_its_article_part_does(gaz, seed):
    """A full store build makes the components before the article parts, so
    it lets them find each article's main ceremony from the nominations they
    read (which hold all of each article's): what a unit of a component is
    made with must be the same as with the article parts' own."""
    facts = _corpus(gaz, seed)
    maps = name_maps(facts, gaz)
    mains = {k: v for f in facts for k, v in articles_part([f], maps, gaz).main_ceremonies.items()}
    assert mains

    def made(found: dict[str, str] | None) -> list:
        return [(root, mine, chosen, list(units))
                for root, mine, chosen, units in component_parts(facts, found, maps, gaz)]

    assert made(None) == made(mains)


def test_a_components_unit_parts_are_made_one_at_a_time_as_taken(gaz, monkeypatch):
    """A full store build keeps each unit's part and drops it before the next
    is made: a component with thousands of units held them all at once."""
    import kg.resolve.parts as parts

    made = []
    real = parts.component_part
    monkeypatch.setattr(parts, "component_part", lambda *a, **k: made.append(1) or real(*a, **k))
    for seed in range(40):
        facts = _corpus(gaz, seed)
        for _, mine, _, unit_parts in component_parts(facts, None, name_maps(facts, gaz), gaz):
            made.clear()
            if len(units(mine)) > 1:
                unit_parts = iter(unit_parts)  # (a list made them all: fails below)
                next(unit_parts)
                assert len(made) == 1
                next(unit_parts)
                assert len(made) == 2
                return
            list(unit_parts)
    pytest.fail("no component with two units")


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


def _reference_settle(cands: list, sentences: list, groups: list, context: dict) -> list:
    """The rules of ``settle_categories`` as plainly as they can be written:
    every group and sentence looked at in every round."""
    chosen = [c[0] if c is not None and len(c) == 1 else None for c in cands]
    by_group: dict = {}
    for i, g in enumerate(groups):
        by_group.setdefault(g, []).append(i)
    for _ in range(3):
        for members_ in by_group.values():
            definite = {chosen[i] for i in members_ if chosen[i]}
            for i in members_:
                if chosen[i] or cands[i] is None:
                    continue
                fits = [c for c in cands[i] if c in definite]
                if len(fits) == 1:
                    chosen[i] = fits[0]
                elif not definite:
                    support = {c: sum(c in (cands[j] or ()) for j in members_ if j != i)
                               for c in cands[i]}
                    best = max(cands[i], key=lambda c: support[c])
                    if support[best] > 0:
                        chosen[i] = best
        same: dict = {}
        for i, c in enumerate(chosen):
            if c:
                same.setdefault(sentences[i], set()).add(c)
        for ev, settled in context.items():
            same.setdefault(ev, set()).update(settled)
        for members_ in by_group.values():
            definite = {chosen[i] for i in members_ if chosen[i]}
            for i in members_:
                if chosen[i]:
                    continue
                here = same.get(sentences[i], set())
                if cands[i] is not None:
                    fits = [c for c in cands[i] if c in here]
                    if len(fits) == 1:
                        chosen[i] = fits[0]
                elif len(definite) == 1:
                    chosen[i] = next(iter(definite))
                elif len(here) == 1:
                    chosen[i] = next(iter(here))
    return [c if c is not None or not cands[i] else cands[i][0] for i, c in enumerate(chosen)]


class _Plain:
    def __init__(self, cands, sentences, groups):
        self.candidates, self.sentence, self.group = (
            cands.__getitem__, sentences.__getitem__, groups.__getitem__)
        self.n = len(cands)

    def __len__(self):
        return self.n


@pytest.mark.parametrize("seed", range(200))
def test_settling_follows_its_rules_in_every_round(seed):
    """``settle_categories`` (which looks only at the groups with a fact still
    open) against the rules written out plainly, on random facts."""
    rng = random.Random(seed)
    n = rng.randint(1, 30)
    cands = [None if (k := rng.choice([0, 1, 1, 2, 3])) == 0 else tuple(rng.sample(CATEGORIES, k))
             for _ in range(n)]
    sentences = [rng.randint(0, 5) for _ in range(n)]
    groups = [rng.randint(0, 6) for _ in range(n)]
    context = {s: {rng.choice(CATEGORIES)} for s in range(6) if rng.random() < 0.3}
    expected = _reference_settle(cands, sentences, groups, context)
    assert settle_categories(_Plain(cands, sentences, groups), context) == expected
