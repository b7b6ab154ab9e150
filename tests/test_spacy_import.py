"""spaCy imported without its CLI (kg.spacy_import), in a fresh interpreter each."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_spacy_imports_without_its_cli_and_loads_the_model():
    out = _run("""
        import sys
        from kg.spacy_import import import_spacy_without_cli
        import_spacy_without_cli()
        print(sorted(n for n in sys.modules if n.startswith("spacy.cli")))
        print("typer" in sys.modules)
        from kg.nlp import load_model
        nlp = load_model()
        print([t.pos_ for t in nlp("Ada Quill won the award.")][:2])
    """).splitlines()
    assert out[0] == "[]"  # neither the placeholder nor the real CLI is left
    assert out[1] == "False"
    assert out[2] == "['PROPN', 'PROPN']"


def test_the_real_cli_imports_afterwards():
    out = _run("""
        import sys
        from kg.spacy_import import import_spacy_without_cli
        import_spacy_without_cli()
        import spacy
        import spacy.cli
        from spacy.cli.info import info
        real = sys.modules["spacy.cli.info"]
        print(real.__file__.endswith("info.py"), info is real.info)
        print(sorted(spacy.info(silent=True))[:1])
    """).splitlines()
    assert out[0] == "True True"
    assert out[1] != "[]"


def test_nothing_happens_once_spacy_is_imported():
    out = _run("""
        import sys
        import spacy
        cli = sys.modules["spacy.cli.info"]
        from kg.spacy_import import import_spacy_without_cli
        import_spacy_without_cli()
        print(sys.modules["spacy.cli.info"] is cli)
    """).splitlines()
    assert out == ["True"]


def test_grouped_entry_points_find_the_same_registered_functions():
    out = _run("""
        import warnings
        warnings.simplefilter("error")  # no deprecated way of reading entry points
        import catalogue
        import spacy
        from kg.spacy_import import group_entry_points
        def found():
            return {name: sorted(getattr(spacy.registry, name).get_all())
                    for name in ("architectures", "tokenizers", "factories", "loggers")}
        before = found()
        group_entry_points()
        group_entry_points()  # a second call changes nothing
        print(type(catalogue.AVAILABLE_ENTRY_POINTS).__name__, found() == before,
              len(before["architectures"]) > 10)
        from kg.nlp import load_model
        nlp = load_model()
        print([t.pos_ for t in nlp("Ada Quill won the award.")][:2])
    """).splitlines()
    assert out == ["dict True True", "['PROPN', 'PROPN']"]
