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


def test_the_command_line_imports_the_http_client_only_to_make_a_request():
    """Every command builds the whole parser, whose defaults come from
    kg.endpoint; httpx (0.08 s) waits until a request is made."""
    code = ("import sys\nimport kg.cli\nkg.cli.make_parser()\n"
            "import kg.endpoint\nprint('httpx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_the_command_line_parser_imports_no_command():
    """Every command builds the whole parser: the modules behind the other
    commands (the server, the endpoint client, the query guard: 80 ms) wait
    until their command runs, so that a build starts its extraction at once."""
    code = ("import sys\nimport kg.cli\nkg.cli.make_parser()\n"
            "print(sorted(m for m in ('kg.serve', 'kg.endpoint', 'kg.sparql_guard', "
            "'kg.builder', 'kg.store', 'pyoxigraph', 'http.server') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def _imports() -> dict[str, set[str]]:
    """kg's modules -> the kg modules each imports, at any level (a lazy import
    inside a function is still a dependency)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    modules = {".".join(f.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): f
               for f in (root / "kg").rglob("*.py")}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module in modules:
                for alias in node.names:  # "from kg.resolve import facts" names a module
                    sub = f"{node.module}.{alias.name}"
                    edges[mod].add(sub if sub in modules else node.module)
            elif isinstance(node, ast.Import):
                edges[mod].update(a.name for a in node.names if a.name in modules)
        edges[mod].discard(mod)
        # every kg module imports the package itself first, so a module reading
        # kg.__version__ adds nothing; kg.build() is the convenience entry point
        edges[mod].discard("kg")
    return edges


def test_no_import_cycles():
    import networkx as nx

    graph = nx.DiGraph([(a, b) for a, bs in _imports().items() for b in bs])
    assert sorted(map(sorted, nx.simple_cycles(graph))) == []
