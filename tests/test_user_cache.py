"""Tables kept between runs in the user's cache: a shortcut, never a source of errors."""

from __future__ import annotations

import hashlib
import json
import os
import time

import gender_guesser.detector

from kg import gazetteer
from kg.user_cache import cache_dir, cached_table, kept_file, source_key


def test_a_table_is_made_once_then_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    calls = []

    def make():
        calls.append(1)
        return {"ada": "female", "tomas": "male"}

    assert cached_table("names", "k1", make) == {"ada": "female", "tomas": "male"}
    assert cached_table("names", "k1", make) == {"ada": "female", "tomas": "male"}
    assert len(calls) == 1
    cached_table("names", "k2", make)  # other sources, another table
    assert len(calls) == 2


def test_a_damaged_or_unwritable_cache_only_costs_the_time_to_make_it(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    kept_file("names", "k1").write_bytes(b'{"ada": "fem')
    assert cached_table("names", "k1", lambda: {"ada": "female"}) == {"ada": "female"}
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("KG_CACHE_DIR", str(blocked))
    assert cached_table("names", "k1", lambda: {"noor": "andy"}) == {"noor": "andy"}


def test_a_kept_table_changed_behind_its_checksum_is_made_again(tmp_path, monkeypatch):
    """A kept table damaged on disk yet still well formed (an entry changed)
    is not used: it is made again, as one of other sources is."""
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    assert cached_table("names", "k1", lambda: {"ada": "female"}) == {"ada": "female"}
    kept = kept_file("names", "k1")
    header, table = kept.read_text(encoding="utf-8").split("\n", 1)
    assert json.loads(table) == {"ada": "female"}
    kept.write_text(header + "\n" + json.dumps({"ada": "male"}), encoding="utf-8")
    assert cached_table("names", "k1", lambda: {"ada": "female"}) == {"ada": "female"}
    assert cached_table("names", "k1", lambda: {"ada": "made again"}) == {"ada": "female"}


def test_a_table_kept_in_an_older_format_is_made_again(tmp_path, monkeypatch):
    """The format before the header line (one JSON object, its checksum over
    the table written again as JSON), found where the table is kept, is not
    read as a table; a file of that format under its own name is one of the
    tables of other sources, the first to go."""
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    table = {"ada": "female"}
    digest = hashlib.sha256(json.dumps(table, sort_keys=True).encode()).hexdigest()
    older = json.dumps({"key": "k1", "size": 1, "table": table, "checksum": digest})
    kept_file("names", "k1").write_text(older, encoding="utf-8")
    assert cached_table("names", "k1", lambda: {"ada": "made again"}) == {"ada": "made again"}
    assert cached_table("names", "k1", lambda: {"ada": "not made"}) == {"ada": "made again"}
    named_before = tmp_path / "names-k1.json"
    named_before.write_text(older, encoding="utf-8")
    os.utime(named_before, ns=(0, 0))
    for key in ("k2", "k3", "k4"):
        cached_table("names", key, lambda: table)
    assert not named_before.exists()
    assert len(list(tmp_path.iterdir())) == 4


def test_the_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("KG_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "kg"


def test_the_key_changes_with_the_sources_and_the_code(tmp_path):
    data = tmp_path / "names.txt"
    data.write_text("Ada F\n")
    key = source_key([data], "v1")
    assert source_key([data], "v2") != key
    data.write_text("Ada F\nTomas M\n")
    assert source_key([data], "v1") != key


def test_first_names_read_from_the_cache_give_the_detectors_verdicts(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    detector = gender_guesser.detector.Detector(case_sensitive=False)
    for _ in range(2):  # made, then read back
        gazetteer.first_names.cache_clear()
        table = gazetteer.first_names()
        assert len(table) == len(detector.names)
        assert all(table[name] == detector.get_gender(name) for name in detector.names)
    assert len(list(tmp_path.glob("first-names-*.json"))) == 1
    gazetteer.first_names.cache_clear()


def test_no_home_folder_or_a_strange_file_only_costs_the_time(tmp_path, monkeypatch):
    from pathlib import Path

    def no_home():
        raise RuntimeError("Could not determine home directory")

    monkeypatch.delenv("KG_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cached_table("names", "k1", lambda: {"ada": "female"}) == {"ada": "female"}
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    kept_file("names", "k1").write_text("[" * 100_000 + "]" * 100_000)
    assert cached_table("names", "k1", lambda: {"ada": "female"}) == {"ada": "female"}
    # a table cut short is not trusted, and is made again
    body = b'{"ada": "female"}'
    kept_file("names", "k1").write_bytes(json.dumps(
        {"key": "k1", "size": 2, "checksum": hashlib.sha256(body).hexdigest(),
         "format": 2}).encode() + b"\n" + body)
    assert cached_table("names", "k1", lambda: {"ada": "female", "tomas": "male"}) == {
        "ada": "female", "tomas": "male"}
    assert cached_table("names", "k1", lambda: {}) == {"ada": "female", "tomas": "male"}


def test_tables_of_other_sources_are_kept_until_the_least_used_must_go(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    made = []

    def make():
        made.append(1)
        return {"ada": "female"}

    for key in ("one", "two", "one", "two"):  # two installations, taking turns
        cached_table("names", key, make)
    assert len(made) == 2  # neither made the other's table again
    for key in ("three", "four"):
        cached_table("names", key, make)
    # last used long ago, "one" the longest (files made in one instant tie)
    for age, key in enumerate(("four", "three", "two", "one"), start=1):
        os.utime(kept_file("names", key), ns=(0, time.time_ns() - age * 10**11))
    cached_table("names", "one", make)  # read: used last now, so kept
    cached_table("names", "five", make)  # one too many: the least used goes
    assert len(made) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        kept_file("names", key).name for key in ("five", "four", "one", "three"))

def test_a_kept_table_its_reader_rejects_is_made_and_kept_again(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    cached_table("names", "k1", lambda: {"ada": "elf"})
    made = []

    def make():
        made.append(1)
        return {"ada": "female"}

    def known_verdicts(table):
        return set(table.values()) <= {"female", "male"}

    for _ in range(2):
        assert cached_table("names", "k1", make, valid=known_verdicts) == {"ada": "female"}
    assert len(made) == 1
