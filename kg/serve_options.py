"""``kg serve``'s command-line options, apart from the server itself.

Every kg command builds the parser of every command: importing ``kg.serve``
(http.server, the gate, the engine's supervision: 40 ms) only to describe its
options would make every command, ``kg build`` included, start that much later.
``cmd_serve`` imports the server when it runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kg.defaults import MAX_NESTING, MAX_QUERY_BYTES


def add_serve_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``serve`` on the ``kg`` command's subparsers."""
    p = subparsers.add_parser(
        "serve", help="serve a graph as a read-only SPARQL endpoint (Oxigraph)",
        description="Serve a graph over the SPARQL 1.1 Protocol with Oxigraph's server, "
                    "read-only: SPARQL UPDATE and Graph Store writes are refused (HTTP 403). "
                    "SOURCE is an RDF file (.ttl, .nt, .nq, .trig), loaded into a temporary "
                    "store, or a store folder (an Oxigraph database or a kg store), served "
                    "from a snapshot. Open http://HOST:PORT/ for a query editor; send "
                    "queries to http://HOST:PORT/query. A gate in front of Oxigraph refuses "
                    "(HTTP 400, with the reason) queries using SERVICE (federated query) "
                    "unless --allow-service, queries over --max-query-bytes and queries "
                    "nested deeper than --max-nesting, before they reach the engine. "
                    "Queries are stopped after --timeout seconds; one that Oxigraph cannot "
                    "stop gets the server restarted at twice that. A server that crashes "
                    "is restarted (0.5 s, then up to 30 s apart), and queries in flight are "
                    "held and retried meanwhile. Ctrl-C stops the server and deletes the "
                    "temporary store. This is for one machine (up to a few hundred million "
                    "triples); for a graph shared by many users or of billions of triples, "
                    "'kg push' it to Virtuoso or load it into QLever, and query that with "
                    "'kg query --endpoint' (docs/scale.md).")
    p.add_argument("source", nargs="?", default="output/graph.ttl",
                   help="RDF file or store folder (default: output/graph.ttl)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only; "
                        "0.0.0.0 for every interface)")
    p.add_argument("--port", type=_port, default=7878, help="TCP port (default: 7878; 0 picks "
                                                             "a free one)")
    p.add_argument("--timeout", type=_positive_int, default=5, metavar="SECONDS",
                   help="time limit for one query, in whole seconds (default: 5)")
    p.add_argument("--allow-service", action="store_true",
                   help="let queries use SERVICE (federated query). RISK: the server will "
                        "then fetch any URL a client names in a query, including hosts on "
                        "the server's own network (localhost, intranet, cloud metadata "
                        "addresses) that the client itself cannot reach; only for "
                        "trusted clients")
    p.add_argument("--max-query-bytes", type=_at_least_one, default=MAX_QUERY_BYTES,
                   metavar="N", help=f"refuse longer queries (default: {MAX_QUERY_BYTES}; "
                                     "far larger ones can crash the engine, which is then "
                                     "restarted)")
    p.add_argument("--max-nesting", type=_at_least_one, default=MAX_NESTING, metavar="N",
                   help=f"refuse queries nested deeper, counting {{ ( [ << and unary ! "
                        f"(default: {MAX_NESTING})")
    p.set_defaults(func=cmd_serve)
    return p


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a TCP port (0-65535)")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: give at least 1 second")
    return value


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: give at least 1")
    return value


def cmd_serve(args: argparse.Namespace) -> int:
    from kg.serve import serve

    return serve(Path(args.source), host=args.host, port=args.port, timeout_s=args.timeout,
                 allow_service=args.allow_service, max_query_bytes=args.max_query_bytes,
                 max_nesting=args.max_nesting)
