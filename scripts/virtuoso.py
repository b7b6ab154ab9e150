"""Start a private Virtuoso Open Source server on loopback (tests and benchmark).

Debian's ``virtuoso-opensource-7-bin`` provides ``virtuoso-t``; a fresh database
in a folder of our own starts in a few seconds. Its SPARQL endpoint is
``BASE/sparql`` and its Graph Store endpoint ``BASE/sparql-graph-crud-auth``
(HTTP digest authentication as user ``dba``, password ``dba``: a new database's
defaults, fine on loopback, never for a server others can reach).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from kg.serve import find_free_port

GRAPH_STORE_PATH = "/sparql-graph-crud-auth"
SPARQL_PATH = "/sparql"
USER = PASSWORD = "dba"

INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = {dir}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 4

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 600
"""


class VirtuosoMissing(RuntimeError):
    pass


@contextmanager
def running_virtuoso(folder: Path, memory_mb: int = 200) -> Iterator[str]:
    """A fresh server with its database in ``folder``, ready; yields its base URL
    and stops it on exit. ``memory_mb`` sizes its page buffers (8 KB each)."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        raise VirtuosoMissing("virtuoso-t is missing (apt-get install virtuoso-opensource-7-bin)")
    folder.mkdir(parents=True, exist_ok=True)
    http_port = find_free_port()
    buffers = memory_mb * 1024 // 8
    (folder / "virtuoso.ini").write_text(INI.format(
        dir=folder, sql_port=find_free_port(), http_port=http_port, buffers=buffers,
        dirty=buffers * 3 // 4), encoding="utf-8")
    log = (folder / "stdout.log").open("wb")
    proc = subprocess.Popen([binary, "+configfile", str(folder / "virtuoso.ini"),
                             "+foreground"], cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"

    def answers() -> None:
        if proc.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited with {proc.returncode}: see "
                               f"{folder / 'virtuoso.log'}")
        httpx.get(base + SPARQL_PATH, params={"query": "ASK {}"}, timeout=5).raise_for_status()

    try:
        for attempt in Retrying(stop=stop_after_delay(120), wait=wait_fixed(0.25),
                                retry=retry_if_exception_type(httpx.HTTPError), reraise=True):
            with attempt:
                answers()
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
