"""The ontology's data files are checked when read: a missing file, bad JSON, a
misspelt key or a wrong type fails with the file's path and the place in it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg.datafiles import DataFileError
from kg.gazetteer import ONTOLOGY_DIR, load_gazetteer


@pytest.fixture
def ontology(tmp_path) -> Path:
    """A copy of the shipped data files to break."""
    copy = tmp_path / "ontology"
    for sub in ("gazetteers", "patterns"):
        shutil.copytree(ONTOLOGY_DIR / sub, copy / sub)
    return copy


def _edit(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_the_shipped_files_are_valid(ontology):
    gaz = load_gazetteer(ontology)
    assert gaz.awards and gaz.outlets and gaz.networks and gaz.venues and gaz.nicknames


def test_a_missing_file_is_named(ontology):
    (ontology / "gazetteers" / "networks.json").unlink()
    with pytest.raises(DataFileError, match=r"networks\.json: missing"):
        load_gazetteer(ontology)


def test_a_file_that_is_not_json_says_where(ontology):
    (ontology / "gazetteers" / "venues.json").write_text('{"venues": [\n  {"name": "x",}\n]}')
    with pytest.raises(DataFileError, match=r"venues\.json: not JSON \(line 2, column"):
        load_gazetteer(ontology)


def test_a_misspelt_key_is_refused_with_its_place(ontology):
    _edit(ontology / "gazetteers" / "outlets.json",
          lambda d: d["outlets"][3].update(alias=["Typo"]))
    with pytest.raises(DataFileError, match=r"outlets\.json: outlets\.3\.alias: Extra inputs"):
        load_gazetteer(ontology)


def test_a_value_of_the_wrong_type_is_refused_with_its_place(ontology):
    _edit(ontology / "gazetteers" / "awards.json",
          lambda d: d["awards"][0]["ceremony"].update(first_year="1949"))
    with pytest.raises(DataFileError, match=r"awards\.json: awards\.0\.ceremony\.first_year"):
        load_gazetteer(ontology)


def test_comment_keys_are_notes_for_people(ontology):
    _edit(ontology / "patterns" / "categories.json",
          lambda d: d.update(_comment_extra="why a word is here"))
    assert load_gazetteer(ontology).category_rules.lead_word


def test_the_cue_words_must_be_lists_of_words(tmp_path):
    from kg.datafiles import CuesFile, read_data

    path = tmp_path / "cues.json"
    path.write_text(json.dumps({"credit_roles": {}, "win_lemmas": ["win", 3]}))
    with pytest.raises(DataFileError, match=r"cues\.json: .*win_lemmas: expected a list of words"):
        read_data(path, CuesFile)
