"""Resolution of people's names across articles, on facts written by hand
(no spaCy): spellings of one name meet, diminutives meet, a lone surname joins
the one full name it belongs to and stays unresolved when two fit."""

from __future__ import annotations

import copy
import datetime as dt
import random
import weakref
from collections import Counter
from pathlib import Path

import pytest

from kg.gazetteer import load_gazetteer
from kg.rdf import corpus_quads
from kg.records import (
    ArticleFacts,
    CategoryRef,
    CeremonyRef,
    CreditFact,
    Evidence,
    Mention,
    NominationFact,
    Ref,
)
from kg.resolve import name_key, person_names, resolve


def _canon(*names: str) -> dict[str, str | None]:
    """Each name -> the name its person goes by, the names counted as given."""
    canon = person_names(Counter(names), load_gazetteer())
    return {n: canon.get(n) for n in names}


def test_name_key_ignores_case_punctuation_and_a_leading_the():
    assert name_key("The Copper Lake ") == name_key("copper  lake") == "copper lake"
    assert name_key("Copper-Lake!") == "copperlake"
    assert name_key("Theodora Quill") == "theodora quill"
    assert name_key("Ada O'Quill") == name_key("ada oquill")


def test_name_key_ignores_accents():
    assert name_key("Zoé Marchetti") == name_key("Zoe Marchetti") == "zoe marchetti"


def test_spellings_with_and_without_accents_are_one_person_named_as_most_write_it():
    canon = _canon("Zoé Marchetti", "Zoe Marchetti", "Zoé Marchetti")
    assert set(canon.values()) == {"Zoé Marchetti"}


def test_a_name_missing_a_given_name_joins_the_fuller_form():
    canon = _canon("Vance Okoro", "Vance Okoro", "Sheila Vance Okoro", "Okoro")
    assert set(canon.values()) == {"Sheila Vance Okoro"}


def test_a_fuller_form_must_start_with_a_given_name():
    canon = _canon("Vance Okoro", "Vance Okoro", "Winner Vance Okoro")
    assert canon["Vance Okoro"] == "Vance Okoro"


def test_a_partial_name_two_people_share_joins_neither():
    canon = _canon("Sheila Vance Okoro", "Tomas Vance Okoro", "Vance Okoro")
    assert canon["Sheila Vance Okoro"] != canon["Tomas Vance Okoro"]
    assert canon["Vance Okoro"] == "Vance Okoro"


def test_diminutives_of_one_given_name_meet_and_the_fuller_form_wins():
    canon = _canon("Robert Hale", "Robert Hale", "Rob Hale", "robert hale")
    assert set(canon.values()) == {"Robert Hale"}


def test_a_different_given_name_or_surname_stays_apart():
    canon = _canon("Robert Hale", "Mina Hale", "Robert Vance")
    assert len(set(canon.values())) == 3


def test_a_lone_surname_joins_its_only_full_name():
    canon = _canon("Tomas Brandt", "Brandt", "Tomas Brandt")
    assert canon["Brandt"] == "Tomas Brandt"


def test_a_lone_surname_shared_by_two_people_is_unknown():
    canon = _canon("Tomas Brandt", "Ilse Brandt", "Brandt")
    assert canon["Brandt"] is None
    assert canon["Tomas Brandt"] == "Tomas Brandt"


def test_given_name_keys_agree_with_same_given_name():
    gaz = load_gazetteer()
    names = sorted({n for k, v in gaz.nicknames.items() for n in (k, *v)})[:300]
    names += ["Ada", "Ivo", "Robert", "Rob", "Bob", "Roberta"]
    for a in names[::7]:
        for b in names[::5]:
            shared = bool(gaz.given_name_keys(a) & gaz.given_name_keys(b))
            assert shared == gaz.same_given_name(a, b), (a, b)


# people's names and works' names kept, and updated by what came and went

# invented names that meet and part in every way names do: one surname's
# full names, diminutives, a fuller form and the lone words of each, spellings
# that differ in case, accents or apostrophes, a name with no letters at all
_PEOPLE_POOL = ["Robert Hale", "Rob Hale", "robert hale", "Mina Hale", "Hale", "Robert", "Mina",
                "Sheila Vance Okoro", "Tomas Vance Okoro", "Vance Okoro", "Okoro", "Sheila",
                "Winner Vance Okoro", "Tomas Brandt", "Ilse Brandt", "Brandt", "Tomas",
                "Zoé Marchetti", "Zoe Marchetti", "Marchetti", "William Ferro", "Bill Ferro",
                "Ferro", "Ada O'Quill", "ada oquill", "Ada Quill", "Quill", "Ada", "★★"]
_WORK_POOL = ["Marram Grass", "The Marram Grass", "marram grass", "Copper Lake’s",
              "Copper Lake's", "Night Ferry", "The Night Ferry", "Salt Road"]


def _random_deltas(pool: list[str], rounds: int, seed: int):
    """Random changes to the counts of names from ``pool`` (never below zero),
    with the counts after each."""
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    for _ in range(rounds):
        delta: Counter[str] = Counter()
        for name in rng.sample(pool, rng.randint(1, 4)):
            if counts[name] and rng.random() < 0.45:
                delta[name] -= rng.randint(1, counts[name])
            else:
                delta[name] += rng.randint(1, 2)
        counts.update(delta)
        counts = +counts
        yield delta, counts


def _entries_that_differ(before: dict, after: dict) -> set:
    return {k for k in before.keys() | after.keys() if before.get(k, "?") != after.get(k, "?")}


def test_peoples_names_updated_by_what_came_and_went_are_as_made_from_all_the_counts():
    from kg.resolve.names import PeopleNames

    gaz = load_gazetteer()
    kept = PeopleNames()
    for seed in range(4):
        for delta, counts in _random_deltas(_PEOPLE_POOL, 120, seed):
            before = dict(kept.canon)
            changed = kept.update(delta, gaz)
            assert kept.canon == person_names(counts, gaz)
            assert changed == _entries_that_differ(before, kept.canon)
        kept.update(Counter({n: -c for n, c in counts.items()}), gaz)  # every name goes
        assert kept.canon == {} and kept.spellings == {} and kept.members == {}


def test_works_names_updated_by_what_came_and_went_are_as_made_from_all_the_counts():
    from kg.resolve import work_names
    from kg.resolve.names import WorkNames

    kept = WorkNames()
    for delta, counts in _random_deltas(_WORK_POOL, 200, 5):
        before = dict(kept.canon)
        changed = kept.update(delta)
        assert kept.canon == work_names(counts)
        assert changed == _entries_that_differ(before, kept.canon)


def test_a_new_full_name_regroups_only_the_names_of_its_surname(monkeypatch):
    from kg.resolve import names

    gaz = load_gazetteer()
    kept = names.PeopleNames()
    kept.update(Counter(f"{given} {surname}" for given in ("Ada", "Tomas", "Mina")
                        for surname in ("Hale", "Brandt", "Okoro", "Ferro", "Quill")), gaz)
    regrouped: list[set[str]] = []
    real = names._surname_groups
    monkeypatch.setattr(names, "_surname_groups",
                        lambda keys, g: regrouped.append(set(keys)) or real(keys, g))
    assert kept.update(Counter({"Ilse Brandt": 1, "Ada Hale": 2}), gaz) == {"Ilse Brandt"}
    assert regrouped == [{"ada brandt", "tomas brandt", "mina brandt", "ilse brandt"}]
    assert kept.canon["Ilse Brandt"] == "Ilse Brandt"


# --- pure functions: slugs, work names, handles ----------------------------------------


def test_slugify_is_readable_ascii_and_never_empty():
    from kg.resolve import slugify

    assert slugify("Zoé Marchetti") == "zoe-marchetti"
    assert slugify("Ada O'Quill & Friends!") == "ada-oquill-friends"
    assert slugify("x" * 200) == "x" * 80
    star = slugify("★★★")
    assert star.startswith("x") and len(star) == 11 and star == slugify("★★★")
    assert slugify("★★★") != slugify("☆☆☆")


def test_a_work_goes_by_its_fullest_then_most_frequent_spelling():
    from kg.resolve import work_names

    canon = work_names(Counter({"Marram Grass": 5, "The Marram Grass": 1,
                                "Copper Lake’s": 1, "Copper Lake's": 2}))
    assert canon[name_key("marram grass")] == "The Marram Grass"
    assert canon[name_key("Copper Lake's")] == "Copper Lake's"


def test_a_handle_finds_the_one_name_it_spells():
    from kg.extract.people import handle_matcher

    match = handle_matcher({"ada quill": "Ada Quill", "tomas brandt": "Tomas Brandt"})
    assert match("AdaQuill") == "Ada Quill"
    assert match("adaquill_official") == "Ada Quill"  # a suffix that handles take
    assert match("TheRealTomasBrandt") == "Tomas Brandt"  # both names, in order
    assert match("BrandtTomas") is None
    assert match("copperlake") is None


# --- category narrowing, through resolution of hand-written facts ----------------------


def _nomination(article: str, nominee: str, candidates: tuple[str, ...] | None,
                won: bool = False, sentence: str = "") -> ArticleFacts:
    ev = Evidence(article, 0, len(sentence or nominee), sentence or nominee)
    category = CategoryRef("Primetime Emmy Award", "x", candidates) if candidates else None
    fact = NominationFact(Ref("person", nominee), category, None,
                          CeremonyRef("Primetime Emmy Award", 2021), won, ev)
    return ArticleFacts(article, article, dt.date(2021, 9, 20), nominations=[fact])


LEAD_ACTOR = "Outstanding Lead Actor in a Drama Series"
LEAD_ACTOR_LIMITED = "Outstanding Lead Actor in a Limited or Anthology Series or Movie"


def _categories(*facts: ArticleFacts) -> set[tuple[str, str]]:
    corpus = resolve(list(facts))
    return {(corpus.entities[n.nominee].name, corpus.entities[n.category].name)
            for n in corpus.nominations if n.category}


def test_a_paraphrase_takes_the_category_the_same_nominee_is_named_for_elsewhere():
    found = _categories(
        _nomination("a1", "Tomas Brandt", (LEAD_ACTOR, LEAD_ACTOR_LIMITED), won=True),
        _nomination("a2", "Tomas Brandt", (LEAD_ACTOR_LIMITED,)))
    assert found == {("Tomas Brandt", LEAD_ACTOR_LIMITED)}


def test_a_fact_without_a_category_takes_the_nominees_only_one():
    found = _categories(_nomination("a1", "Tomas Brandt", None, won=True),
                        _nomination("a2", "Tomas Brandt", (LEAD_ACTOR,)))
    assert found == {("Tomas Brandt", LEAD_ACTOR)}


def test_an_unresolvable_paraphrase_takes_its_first_candidate():
    found = _categories(_nomination("a1", "Ada Quill", (LEAD_ACTOR, LEAD_ACTOR_LIMITED)))
    assert found == {("Ada Quill", LEAD_ACTOR)}


def test_a_fact_without_a_category_takes_the_one_its_sentence_settles_for_others():
    sentence = "Tomas Brandt and Noor Okafor were both nominated."
    both = _nomination("a1", "Tomas Brandt", (LEAD_ACTOR, LEAD_ACTOR_LIMITED),
                       sentence=sentence)
    noor = _nomination("a1", "Noor Okafor", None, sentence=sentence).nominations[0]
    both.nominations.append(noor)
    # Tomas Brandt's paraphrase is settled by another article, then his sentence
    # settles Noor Okafor's, which names no category
    found = _categories(both, _nomination("a2", "Tomas Brandt", (LEAD_ACTOR_LIMITED,)))
    assert found == {("Tomas Brandt", LEAD_ACTOR_LIMITED), ("Noor Okafor", LEAD_ACTOR_LIMITED)}


def test_entities_without_other_names_share_one_empty_set_until_they_get_one():
    corpus = resolve([_nomination("a1", "Ada Quill", (LEAD_ACTOR,)),
                      _nomination("a2", "Tomas Brandt", (LEAD_ACTOR,))])
    ada, tomas = (next(e for e in corpus.entities.values() if e.name == name)
                  for name in ("Ada Quill", "Tomas Brandt"))
    assert ada.aliases == tomas.aliases == set() and ada.aliases is tomas.aliases
    ada.add_aliases(["A. Quill"])
    assert ada.aliases == {"A. Quill"} and tomas.aliases == frozenset()
    ada.add_aliases(["Ada Q."])
    assert ada.aliases == {"A. Quill", "Ada Q."}


def test_a_part_per_article_and_component_merges_to_the_same_graph():
    """What a store keeps (a part per article and per set of coupled nominees)
    merges to the same graph as a build's one pass: the equality incremental
    updates rely on."""
    from kg.articles import load_articles
    from kg.gazetteer import load_gazetteer
    from kg.passes import extract_corpus
    from kg.rdf import corpus_quads
    from kg.resolve import resolve
    from kg.resolve.parts import resolve_in_parts

    articles, _ = load_articles([Path(__file__).resolve().parent / "data" / "heldout"])
    facts = extract_corpus(articles)
    whole = {str(q) for q in corpus_quads(resolve(list(facts)))}
    assert len(whole) > 1000
    assert {str(q) for q in corpus_quads(resolve_in_parts(facts, load_gazetteer()))} == whole
    # a build's resolution, which empties the facts as it goes, gives the same
    consumed = copy.deepcopy(facts)
    assert {str(q) for q in corpus_quads(resolve(consumed, consume=True))} == whole
    assert consumed == []


class _Tracked(ArticleFacts):
    """Facts that can be watched (a subclass without slots takes weak references)."""


class _ReadTwice:
    """A collection of facts made afresh on each reading, in article order, as
    a build's facts files are read; it notes what earlier facts are still held
    each time it hands out one."""

    def __init__(self, names: list[str]) -> None:
        self.names, self.readings, self.held_in_full = names, 0, []

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self):
        self.readings += 1
        earlier: list[weakref.ref] = []
        for i, name in enumerate(self.names):
            ev = Evidence(f"a{i}", 0, len(name), name)
            f = _Tracked(f"a{i}", f"a{i}.txt", dt.date(2021, 9, 20),
                         mentions=[Mention(Ref("person", name), 0, len(name), ev)],
                         nominations=[_nomination(f"a{i}", name, (LEAD_ACTOR,)).nominations[0]])
            self.held_in_full.append(sum(1 for r in earlier if r() is not None and r().mentions))
            earlier.append(weakref.ref(f))
            yield f


def test_facts_read_twice_an_article_at_a_time_resolve_as_a_list_of_them():
    names = ["Ada Quill", "Tomas Brandt", "Noor Okafor", "Ada Quill"]
    lazy = _ReadTwice(names)
    expected = {str(q) for q in corpus_quads(resolve(list(_ReadTwice(names))))}
    assert {str(q) for q in corpus_quads(resolve(lazy, consume=True))} == expected
    assert lazy.readings == 2  # once for the names, once to link
    # when an article is read, at most the one before it is still held whole (by
    # a loop's variable): the others are gone, or keep only what the nominations need
    assert len(lazy.held_in_full) == 2 * len(names) and max(lazy.held_in_full) == 1


def test_facts_kept_for_the_component_part_hold_only_what_it_reads_and_stay_emptied():
    from kg.resolve.parts import only_owned

    f, g = (_nomination(a, "Ada Quill", (LEAD_ACTOR,)) for a in ("a1", "a2"))
    ev = f.nominations[0].evidence
    f.mentions = [Mention(Ref("person", "Ada Quill"), 0, 9, ev)]
    f.credits = [CreditFact(Ref("person", "Ada Quill"), Ref("work", "Tin Gulls"), ev)]
    nominations, credits = f.nominations, f.credits
    kept = [only_owned(f), only_owned(g)]
    assert kept[0].nominations is nominations and kept[0].credits is credits
    assert kept[0].mentions == kept[0].tweets == kept[1].credits == kept[1].characters == ()
    with pytest.raises(AttributeError):  # emptied for good: nothing can be added by mistake
        kept[0].mentions.append(None)
    # one empty value for them all, not a fresh list per field and article
    assert kept[0].airs is kept[1].ceremonies is kept[1].credits


def test_what_the_component_part_keeps_of_a_reading_is_a_shared_copy_of_the_owned_facts():
    from kg.resolve.parts import keeping_owned

    read = list(_ReadTwice(["Ada Quill", "Ada Quill", "Tomas Brandt"]))
    kept: list[ArticleFacts] = []
    assert list(keeping_owned(read, kept)) == read
    assert [f.mentions for f in read] == [f.mentions for f in _ReadTwice(
        ["Ada Quill", "Ada Quill", "Tomas Brandt"])]  # what was read is left whole
    assert [k.nominations for k in kept] == [f.nominations for f in read]
    assert all(k.mentions == () and k.nominations[0] is not f.nominations[0]
               for k, f in zip(kept, read, strict=True))
    # equal names are one object across the kept articles, as a SharedReader reads them
    assert read[0].nominations[0].nominee is not read[1].nominations[0].nominee
    assert kept[0].nominations[0].nominee is kept[1].nominations[0].nominee


def test_facts_in_a_tuple_are_sorted_and_read_out_of_order_refused():
    names = ["Ada Quill", "Tomas Brandt", "Noor Okafor"]
    facts = list(_ReadTwice(names))
    expected = {str(q) for q in corpus_quads(resolve(facts))}
    assert {str(q) for q in corpus_quads(resolve(tuple(reversed(facts))))} == expected

    class Backwards(_ReadTwice):
        def __iter__(self):
            return reversed(list(super().__iter__()))

    with pytest.raises(ValueError, match="out of article order: a1 after a2"):
        resolve(Backwards(names))


def test_sorting_a_field_at_a_time_gives_the_order_of_one_sort_by_all_fields():
    from kg.resolve.model import Nomination
    from kg.resolve.sorting import sort_nominations

    rows = [("person/b", None, "c/2"), ("person/a", "cat/x", "c/1"), ("person/b", "cat/a", "c/1"),
            ("person/a", None, "c/2"), ("person/b", None, "c/1"), ("person/a", "cat/x", "c/1")]
    noms = [Nomination(n, c, None, cer, False, [], float(i)) for i, (n, c, cer) in enumerate(rows)]
    expected = sorted(noms, key=lambda n: (n.nominee, n.category or "", n.ceremony))
    sort_nominations(noms)
    assert noms == expected  # equal keys (rows 1 and 5) keep their order
    assert [n.confidence for n in noms] == [3.0, 1.0, 5.0, 4.0, 0.0, 2.0]


def _random_rows(rng: random.Random, pid: str, n: int) -> list:
    """Rows of one entity that meet in every way a merge weighs: equal ranks and
    names, attributes some rows share, owners, notes, bare rows, votes."""
    from kg.resolve.model import Entity
    from kg.resolve.parts import EntityRow

    rows = []
    for i in range(n):
        ent = Entity(pid, "organization", rng.choice(["Harbor Desk", "Harbor  Desk", "HD"]),
                     subkind=rng.choice([None, "outlet", "network", "organization"]))
        if rng.random() < 0.3:
            ent.add_aliases(rng.sample(["HDesk", "The Harbor Desk", "Harbor"], 2))
        for key in rng.sample(["handle", "display", "award", "owner"], rng.randint(0, 3)):
            ent.attrs[key] = rng.choice(["a", "b", "c"])
        note = None
        if rng.random() < 0.4:
            note = ((rng.randint(0, 3), i), Evidence(f"a{i}", i, i + 1, "Invented."))
        owner = (rng.randint(0, 2), rng.randint(0, 1)) if "owner" in ent.attrs and \
            rng.random() < 0.7 else None
        airs = [(rng.choice(["net1", "net2"]), rng.random(), Evidence(f"a{i}", 0, 1, "x"))] \
            if rng.random() < 0.2 else ()
        votes = [(i, "2020-01-01", rng.choice([None, "host1"]), None,
                  Evidence(f"a{i}", 0, 1, "y"))] if rng.random() < 0.2 else ()
        rows.append(EntityRow((rng.randint(0, 3), rng.randint(0, 1)), ent, note, owner, airs,
                              votes, bare=rng.random() < 0.2))
    return rows


def test_a_fold_of_an_entitys_rows_merges_as_the_rows_do_with_any_rows_after():
    """``folded_rows`` stands for an entity's rows in a store: an add merges
    the fold and its own rows, and must get what merging every row gives
    (name, kind, attributes and their ties, owner, note, rank, votes, refs),
    however often the entity is folded again."""
    from kg.resolve.parts import folded_rows
    from kg.storeupdate import _Merged

    rng = random.Random(11)
    for _ in range(400):
        rows = _random_rows(rng, "organization\x1fharbor desk", rng.randint(1, 14))
        whole = _Merged.of("organization\x1fharbor desk", rows)
        cuts = sorted(rng.sample(range(1, len(rows) + 1), min(len(rows), rng.randint(1, 3))))
        held, done = [], 0
        for cut in cuts:  # fold, add rows, fold again ...
            held = folded_rows("organization\x1fharbor desk", held + rows[done:cut])
            done = cut
        assert _Merged.of("organization\x1fharbor desk", held + rows[done:]) == whole
        assert len(held) <= 6
