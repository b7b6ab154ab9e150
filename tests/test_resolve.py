"""Resolution of people's names across articles, on facts written by hand
(no spaCy): spellings of one name meet, diminutives meet, a lone surname joins
the one full name it belongs to and stays unresolved when two fit."""

from __future__ import annotations

from collections import Counter

from kg.gazetteer import load_gazetteer
from kg.resolve import name_key, person_names


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
