"""What kept files are valid for: digests of the code and data that made them.

A store keeps parsed Docs, facts and resolution parts between builds; each is
used again only while the code and data that shaped it stay the same. Kept
free of spaCy, so that a process that only checks or resolves kept files (a
store build's own process, see ``kg.extraction_process``) never imports it.

Python files are hashed by what they do, not by their bytes
(``_read_code``): an edit to a comment, a docstring or the layout leaves
every kept file valid, so mending the words about the code never costs a
store of 100,000 articles a quarter of an hour of extraction. What parsing
gives is kept in the user's cache, by the files' bytes (``_known_code``).
"""

from __future__ import annotations

import ast
import hashlib
import re
import sys
from functools import cache
from pathlib import Path

import kg
from kg.gazetteer import ONTOLOGY_DIR
from kg.user_cache import cached_table

_KG_DIR = Path(kg.__file__).parent


class _NoDocstrings(ast.NodeTransformer):
    """Drops every statement that is a bare string (docstrings, and strings
    left as notes): they do nothing when the code runs. kg reads no
    ``__doc__`` where facts are made."""

    def visit_Expr(self, node: ast.Expr) -> ast.Expr | None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return None
        return node


# the form of what ``_parsed`` gives, as the user's cache keeps it
# (``_known_code``): changed when that form or its meaning does
_CODE_DIGESTS_FORMAT = "1"
_KEPT_DIGEST = re.compile(r"[0-9a-f]{64}( [\w.]+)*")


@cache
def _parsed(source: bytes) -> tuple[bytes, tuple[str, ...]]:
    """A Python file's digest (its syntax tree without docstrings; comments,
    blank lines and line numbers are not in a tree) and the kg modules it
    may import: ``kg.x`` for ``import kg.x``, and ``kg.x`` and ``kg.x.y`` for
    ``from kg.x import y`` (y may be a module). Cached by the file's bytes
    (reading them is cheap, parsing is not): each fingerprint reads the same
    files, and a store build takes several."""
    tree = ast.parse(source)
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [a.name for a in node.names if a.name.split(".")[0] == "kg"]
        elif (isinstance(node, ast.ImportFrom) and not node.level and node.module
              and node.module.split(".")[0] == "kg"):
            imported += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
    tree = _NoDocstrings().visit(tree)
    return hashlib.sha256(ast.dump(tree).encode()).digest(), tuple(imported)


@cache
def _known_code(kg_dir: Path) -> dict[str, str]:
    """What ``_parsed`` gives for each of kg's Python files as they are now,
    by the digest of the file's bytes, kept in the user's cache
    (``kg.user_cache``) under a key of all their bytes and of this Python
    (whose syntax trees the digests are of). Parsing kg's files took a fifth
    of a second of every build and of every add to a store, in the
    extraction process and again in the building one, each time the same;
    reading and hashing their bytes takes a few milliseconds. The digests
    are of the bytes that were parsed, so a file changed meanwhile is only
    not found here (``_read_code`` parses it)."""
    sources = [path.read_bytes() for path in sorted(kg_dir.rglob("*.py"))]
    ids = [hashlib.sha256(source).hexdigest() for source in sources]
    key = hashlib.sha256("\0".join([_CODE_DIGESTS_FORMAT, sys.version, *ids]).encode())

    def parse_all() -> dict[str, str]:
        table = {}
        for i, source in zip(ids, sources, strict=True):
            digest, imported = _parsed(source)
            table[i] = " ".join([digest.hex(), *imported])
        return table

    def whole(table: dict[str, str]) -> bool:
        return all(_KEPT_DIGEST.fullmatch(v) for v in table.values())

    # (a table damaged on disk yet well formed, one that lost a module's
    # import, say, is caught by the cache's own checksum and made again)
    return cached_table("code-digests", key.hexdigest()[:20], parse_all, whole)


def _read_code(source: bytes) -> tuple[bytes, tuple[str, ...]]:
    """``_parsed``, read from ``_known_code`` where it holds these bytes."""
    known = _known_code(_KG_DIR).get(hashlib.sha256(source).hexdigest())
    if known is None:
        return _parsed(source)
    digest, *imported = known.split(" ")
    return bytes.fromhex(digest), tuple(imported)


def _code(path: Path) -> tuple[bytes, tuple[str, ...]]:
    return _read_code(path.read_bytes())


def _content(path: Path) -> bytes:
    """What a file contributes to a fingerprint: a Python file's code
    (``_read_code``), any other file's bytes. The syntax tree's form is
    Python's, so a new Python version may change a fingerprint once; that
    is the safe side."""
    return _code(path)[0] if path.suffix == ".py" else path.read_bytes()


def rules_fingerprint() -> str:
    """Changes whenever kg, a gazetteer, a pattern file or the pipeline's code
    (``nlp.py``, how its model multiplies, and the gazetteer code that turns
    the data into its rules) changes: they shape the Docs. The model's name
    and version are in the key too (``kg.passes.doc_keys``)."""
    h = hashlib.sha256(kg.__version__.encode())
    for f in [*sorted((ONTOLOGY_DIR / "gazetteers").glob("*.json")),
              *sorted((ONTOLOGY_DIR / "patterns").glob("*.json*")), _KG_DIR / "nlp.py",
              _KG_DIR / "matmul.py", _KG_DIR / "attribute_rules.py", _KG_DIR / "gazetteer.py",
              _KG_DIR / "datafiles.py"]:
        h.update(f.name.encode())
        h.update(_content(f))
    return h.hexdigest()


# the modules that make an article's facts (the extraction process, its two
# passes, the extractors, the pipeline); the extraction fingerprint hashes
# them and every kg module they import, read from their import statements
_EXTRACTION_ROOTS = ("kg.extraction_process", "kg.passes", "kg.pipeline", "kg.nlp")


def _module_file(module: str) -> Path | None:
    """The file of a kg module (``kg.extract.awards``), None if it is not one."""
    path = _KG_DIR.parent.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def extraction_files() -> list[Path]:
    """The files of the code that makes facts: the extraction modules and
    every kg module they import, directly or not, at the top or inside a
    function (``from kg.x import y``, ``import kg.x``, and ``from kg import
    x`` or ``from kg.x import (y, z)`` where those are modules). kg's own
    ``__init__`` is hashed but not followed: it imports the builder lazily,
    for ``kg.build``."""
    todo = [f for f in map(_module_file, _EXTRACTION_ROOTS) if f is not None]
    found: set[Path] = set()
    while todo:
        f = todo.pop()
        if f in found:
            continue
        found.add(f)
        if f == _KG_DIR / "__init__.py":
            continue
        for name in _code(f)[1]:
            target = _module_file(name)
            if target is not None:
                todo.append(target)
    return sorted(found)


def _digest(seed: str, files: list[Path]) -> str:
    h = hashlib.sha256(seed.encode())
    for f in files:
        h.update(f.relative_to(_KG_DIR).as_posix().encode())
        h.update(_content(f))
    return h.hexdigest()[:16]


def extraction_fingerprint() -> str:
    """Changes whenever the code that turns a Doc into facts changes
    (``extraction_files``): kept facts are reused only while it stays the
    same. A release that changes only how facts are resolved, kept, written
    or served keeps them: a store of 10,000 articles then resolves again
    (about two minutes) instead of parsing and extracting every article again
    (four to five)."""
    return _digest(rules_fingerprint(), extraction_files())


def resolution_fingerprint() -> str:
    """Changes whenever facts or the way they are resolved, kept and written
    change (any of kg's code): a store's kept resolution parts
    (``kg.storeparts``) are used only while it stays the same."""
    return _digest(extraction_fingerprint(), sorted(_KG_DIR.rglob("*.py")))
