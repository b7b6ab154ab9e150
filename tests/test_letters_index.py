"""The index of kept texts' letters answers as a substring search over them would."""

import random

from kg.extract.known_works import KnownWorks, letters_of
from kg.letters_index import LettersIndex, opened


def _index(tmp_path, texts: dict[str, str]) -> LettersIndex:
    index = LettersIndex(tmp_path / "letters.sqlite")
    index.add((digest, letters_of(text)) for digest, text in texts.items())
    return index


def test_it_names_the_texts_whose_letters_hold_a_title(tmp_path):
    index = _index(tmp_path, {"a": "Fans sang copper-lake songs.", "b": "A copper  lake at dusk.",
                              "c": "The lake was copper.", "d": "COPPERLAKE trended."})
    titles = KnownWorks({"copper lake": "Copper Lake"})
    assert index.containing(titles.touching) == {"a", "b", "d"}
    assert index.containing(["lakewas", "dusk"]) == {"b", "c"}
    assert index.containing(["nowhere"]) == set()


def test_a_key_too_short_for_trigrams_means_every_text_is_read(tmp_path):
    index = _index(tmp_path, {"a": "Ox won."})
    assert index.containing(["ox"]) is None
    assert index.containing(["oxwon"]) == {"a"}


def test_it_agrees_with_a_substring_search_on_random_texts(tmp_path):
    rng = random.Random(5)
    alphabet = "abcé1_ßİς\U0001d400 -"  # folds to two letters, odd letters, an astral one
    texts = {f"t{i}": "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
             for i in range(60)}
    index = _index(tmp_path, texts)
    for _ in range(200):
        key = letters_of("".join(rng.choice(alphabet) for _ in range(rng.randint(3, 6))))
        if len(key) < 3:
            continue
        expected = {d for d, t in texts.items() if key in letters_of(t)}
        assert index.containing([key]) == expected, key


def test_it_knows_what_it_holds_adds_once_and_forgets_what_is_gone(tmp_path):
    index = _index(tmp_path, {"a": "Ada Quill", "b": "Tin Harbor"})
    index.add([("a", "somethingelse"), ("c", "noorokafor")])  # "a" kept as it was
    assert index.known(["a", "b", "c", "z"]) == {"a", "b", "c"}
    assert index.containing(["adaquill"]) == {"a"}
    index.keep_only(["b", "c"])
    assert index.known(["a", "b", "c"]) == {"b", "c"}
    assert index.containing(["adaquill"]) == set()
    assert index.containing(["harbor"]) == {"b"}


def test_a_damaged_index_file_is_made_again(tmp_path):
    path = tmp_path / "letters.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    with opened(path) as index:
        assert index is not None and index.known(["a"]) == set()
        index.add([("a", "adaquill")])
    with opened(path) as index:
        assert index.containing(["quill"]) == {"a"}
    with opened(None) as index:
        assert index is None


def test_without_fts5_there_is_no_index_and_no_error(tmp_path, monkeypatch):
    import kg.letters_index

    monkeypatch.setattr(kg.letters_index, "_SCHEMA",
                        "CREATE VIRTUAL TABLE search USING no_such_module(letters);")
    with opened(tmp_path / "letters.sqlite") as index:
        assert index is None
    assert not (tmp_path / "letters.sqlite").exists()
