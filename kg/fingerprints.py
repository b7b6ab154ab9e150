"""What kept files are valid for: digests of the code and data that made them.

A store keeps parsed Docs, facts and resolution parts between builds; each is
used again only while the code and data that shaped it stay the same. Kept
free of spaCy, so that a process that only checks or resolves kept files (a
store build's own process, see ``kg.extraction_process``) never imports it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import kg
from kg.gazetteer import ONTOLOGY_DIR

_KG_DIR = Path(kg.__file__).parent


def rules_fingerprint() -> str:
    """Changes whenever kg, a gazetteer, a pattern file or the pipeline's code
    (``nlp.py``, and the gazetteer code that turns the data into its rules)
    changes: they shape the Docs. The model's name and version are in the key
    too (``kg.passes.doc_keys``)."""
    h = hashlib.sha256(kg.__version__.encode())
    for f in [*sorted((ONTOLOGY_DIR / "gazetteers").glob("*.json")),
              *sorted((ONTOLOGY_DIR / "patterns").glob("*.json*")), _KG_DIR / "nlp.py",
              _KG_DIR / "attribute_rules.py", _KG_DIR / "gazetteer.py", _KG_DIR / "datafiles.py"]:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def extraction_fingerprint() -> str:
    """Changes whenever the code that turns a Doc into facts changes: kept
    facts are reused only while it stays the same."""
    h = hashlib.sha256(rules_fingerprint().encode())
    for f in sorted([*_KG_DIR.glob("*.py"), *(_KG_DIR / "extract").glob("*.py")]):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def resolution_fingerprint() -> str:
    """Changes whenever facts or the way they are resolved and written change:
    a store's kept resolution parts (``kg.storeparts``) are used only while it
    stays the same."""
    h = hashlib.sha256(extraction_fingerprint().encode())
    for f in sorted((_KG_DIR / "resolve").glob("*.py")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]
