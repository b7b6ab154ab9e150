"""Which kept files a code change makes stale: facts only when the code that
makes facts changed, resolution parts whenever any code did, and neither when
only comments, docstrings or layout did."""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
from pathlib import Path

import pytest

import kg
from kg import fingerprints


@pytest.fixture
def kg_copy(tmp_path, monkeypatch) -> Path:
    """A copy of kg's code, which the fingerprints read instead of the real one."""
    copy = tmp_path / "kg"
    shutil.copytree(Path(kg.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprints, "_KG_DIR", copy)
    # the digests of the copy's edited files are kept here, not in the
    # user's cache (where they would push out those of the real code)
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "kg-cache"))
    return copy


def _edit(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")


def test_the_facts_stay_valid_when_only_the_store_or_the_output_code_changes(kg_copy):
    facts, parts = fingerprints.extraction_fingerprint(), fingerprints.resolution_fingerprint()
    for name in ("storeupdate.py", "rdf.py", "cli.py", "resolve/names.py"):
        _edit(kg_copy / name, "_A_CHANGE_THAT_MAKES_NO_FACT = 1")
        assert fingerprints.extraction_fingerprint() == facts
        assert fingerprints.resolution_fingerprint() != parts
        parts = fingerprints.resolution_fingerprint()


def test_the_facts_go_stale_when_an_extractor_or_what_it_imports_changes(kg_copy):
    files = {f.relative_to(kg_copy).as_posix() for f in fingerprints.extraction_files()}
    assert {"passes.py", "pipeline.py", "extraction_process.py", "records.py",
            "extract/awards.py", "gazetteer.py"} <= files
    assert not files & {"storeupdate.py", "store.py", "rdf.py", "cli.py", "builder.py"}
    facts = fingerprints.extraction_fingerprint()
    _edit(kg_copy / "extract" / "awards.py", "_A_CHANGE_TO_AN_EXTRACTOR = 1")
    assert fingerprints.extraction_fingerprint() != facts
    # a new module the extractors import (here inside a function) joins them
    (kg_copy / "extract" / "helper_made_up.py").write_text("WORDS = ()\n", encoding="utf-8")
    _edit(kg_copy / "pipeline.py",
          "def _uses_it():\n    from kg.extract.helper_made_up import WORDS")
    assert "extract/helper_made_up.py" in {
        f.relative_to(kg_copy).as_posix() for f in fingerprints.extraction_files()}
    facts = fingerprints.extraction_fingerprint()
    _edit(kg_copy / "extract" / "helper_made_up.py", "WORDS = ('won',)")
    assert fingerprints.extraction_fingerprint() != facts
    # and one imported as a module, in parentheses over several lines
    (kg_copy / "extract" / "other_made_up.py").write_text("CUES = ()\n", encoding="utf-8")
    _edit(kg_copy / "extract" / "awards.py", "from kg.extract import (\n    other_made_up,\n)")
    assert "extract/other_made_up.py" in {
        f.relative_to(kg_copy).as_posix() for f in fingerprints.extraction_files()}


def test_an_import_under_another_name_is_followed(kg_copy):
    (kg_copy / "extract" / "renamed_made_up.py").write_text("CUES = ()\n", encoding="utf-8")
    _edit(kg_copy / "pipeline.py", "from kg.extract import renamed_made_up as cues_x")
    assert "extract/renamed_made_up.py" in {
        f.relative_to(kg_copy).as_posix() for f in fingerprints.extraction_files()}
    facts = fingerprints.extraction_fingerprint()
    _edit(kg_copy / "extract" / "renamed_made_up.py", "CUES = ('won',)")
    assert fingerprints.extraction_fingerprint() != facts



def _reword(path: Path) -> None:
    """Rewrites a module's words and layout, not its code: a new module
    docstring, the first function's docstring reworded, comments and blank
    lines added."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    function = next(n for n in ast.walk(tree)
                    if isinstance(n, ast.FunctionDef) and ast.get_docstring(n))
    lines = text.splitlines()
    doc = function.body[0]
    lines[doc.lineno - 1:doc.end_lineno] = [" " * doc.col_offset + '"""Reworded."""', ""]
    lines[tree.body[0].lineno - 1:tree.body[0].end_lineno] = [
        "# a new comment", '"""A module docstring, reworded', 'over two lines."""', "", ""]
    path.write_text("\n".join(lines) + "\n\n# the end\n", encoding="utf-8")


def test_comments_docstrings_and_layout_change_no_fingerprint(kg_copy):
    def all_three() -> tuple[str, str, str]:
        return (fingerprints.rules_fingerprint(), fingerprints.extraction_fingerprint(),
                fingerprints.resolution_fingerprint())

    before = all_three()
    for name in ("nlp.py", "passes.py", "extract/awards.py", "store.py"):
        _reword(kg_copy / name)
    assert all_three() == before
    _edit(kg_copy / "nlp.py", "_A_CHANGE_TO_THE_PIPELINE = 1")
    assert all(a != b for a, b in zip(all_three(), before, strict=True))


def _three() -> tuple[str, str, str]:
    return (fingerprints.rules_fingerprint(), fingerprints.extraction_fingerprint(),
            fingerprints.resolution_fingerprint())


def test_kg_is_parsed_once_then_its_digests_are_read_from_the_users_cache(
        kg_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    fingerprints._known_code.cache_clear()
    fingerprints._parsed.cache_clear()
    first = _three()
    assert list((tmp_path / "cache").glob("code-digests-*.json"))

    # another run: nothing in memory, and parsing fails, so the cache is used
    fingerprints._known_code.cache_clear()
    fingerprints._parsed.cache_clear()

    def no_parsing(source: bytes) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(fingerprints, "_parsed", no_parsing)
    assert _three() == first
    # a file changed since is not among the kept digests: parsed, so it counts
    monkeypatch.undo()
    monkeypatch.setattr(fingerprints, "_KG_DIR", kg_copy)
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    _edit(kg_copy / "extract" / "awards.py", "_A_CHANGE_TO_AN_EXTRACTOR = 1")
    changed = _three()
    assert changed[0] == first[0] and changed[1:] != first[1:]
    # and a run without the cache gives the same fingerprints
    fingerprints._known_code.cache_clear()
    fingerprints._parsed.cache_clear()
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "nothing-kept-here" / "x"))
    (tmp_path / "nothing-kept-here").write_text("a file, so no cache can be made below it")
    assert _three() == changed


def test_a_damaged_cache_of_digests_is_parsed_again(kg_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    fingerprints._known_code.cache_clear()
    first = _three()
    kept = next(tmp_path.glob("code-digests-*.json"))
    header, body = kept.read_text(encoding="utf-8").split("\n", 1)
    some = sorted(json.loads(body))[0]
    # a digest that is no digest, its checksum made to match (caught by the
    # table's reader), and another digest, well formed (caught by the checksum)
    for damage in ("not hex", "another digest, well formed"):
        table = json.loads(body)
        digest, *imported = table[some].split(" ")
        other = "1" if digest[0] == "0" else "0"
        table[some] = " ".join(
            ["g" + digest[1:] if damage == "not hex" else other + digest[1:], *imported])
        damaged = json.dumps(table, sort_keys=True)
        said = json.loads(header)
        if damage == "not hex":
            said["checksum"] = hashlib.sha256(damaged.encode()).hexdigest()
        kept.write_text(json.dumps(said) + "\n" + damaged, encoding="utf-8")
        fingerprints._known_code.cache_clear()
        fingerprints._parsed.cache_clear()
        assert _three() == first, damage
        # turned away and made again, not read and mended on the way
        assert json.loads(kept.read_text(encoding="utf-8").split("\n", 1)[1]) == \
            json.loads(body), damage
