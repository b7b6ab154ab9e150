"""The read side does not load the write side: querying, serving, pushing,
drawing and validating a graph never import spaCy, the extractors, resolution
or the build (they would cost seconds and hundreds of MB per command)."""

from __future__ import annotations

import subprocess
import sys

READ_SIDE = ["kg.query", "kg.serve", "kg.endpoint", "kg.viz", "kg.validate", "kg.cli"]
WRITE_SIDE = ["spacy", "kg.nlp", "kg.pipeline", "kg.passes", "kg.extract", "kg.resolve",
              "kg.rdf", "kg.builder", "kg.store"]


def test_the_read_side_imports_nothing_of_the_write_side():
    code = (f"import sys\nfor m in {READ_SIDE!r}: __import__(m)\n"
            f"print(sorted(m for m in sys.modules if any(m == w or m.startswith(w + '.') "
            f"for w in {WRITE_SIDE!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
