"""Which kept files a code change makes stale: facts only when the code that
makes facts changed, resolution parts whenever any code did."""

from __future__ import annotations

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
    return copy


def _edit(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")


def test_the_facts_stay_valid_when_only_the_store_or_the_output_code_changes(kg_copy):
    facts, parts = fingerprints.extraction_fingerprint(), fingerprints.resolution_fingerprint()
    for name in ("storeupdate.py", "rdf.py", "cli.py", "resolve/names.py"):
        _edit(kg_copy / name, "# a change that makes no fact")
        assert fingerprints.extraction_fingerprint() == facts
        assert fingerprints.resolution_fingerprint() != parts
        parts = fingerprints.resolution_fingerprint()


def test_the_facts_go_stale_when_an_extractor_or_what_it_imports_changes(kg_copy):
    files = {f.relative_to(kg_copy).as_posix() for f in fingerprints.extraction_files()}
    assert {"passes.py", "pipeline.py", "extraction_process.py", "records.py",
            "extract/awards.py", "gazetteer.py"} <= files
    assert not files & {"storeupdate.py", "store.py", "rdf.py", "cli.py", "builder.py"}
    facts = fingerprints.extraction_fingerprint()
    _edit(kg_copy / "extract" / "awards.py", "# a change to an extractor")
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
