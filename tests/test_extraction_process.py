"""A command-line build parses and extracts in a child process, so its own
process never loads spaCy; what the child reports reaches the caller."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.builder import build_graph
from kg.extraction_process import ExtractionProcessError
from kg.nlp import ModelNotFound

ROOT = Path(__file__).resolve().parent.parent

LEAN_BUILD = """
import json, sys
from kg.builder import build_graph
messages = []
with build_graph(["seeds"], jobs=2, lean=True,
                 progress=lambda done, total, what: messages.append(what)) as result:
    print(json.dumps({"spacy": "spacy" in sys.modules, "triples": result.triples,
                      "articles": result.articles, "messages": messages}))
"""


def test_a_lean_build_never_loads_spacy_and_reports_every_step():
    run = subprocess.run([sys.executable, "-c", LEAN_BUILD], cwd=ROOT, capture_output=True,
                         text=True, timeout=600, check=True)
    seen = json.loads(run.stdout)
    assert seen["spacy"] is False
    with build_graph([ROOT / "seeds"], jobs=1) as in_process:
        assert (seen["triples"], seen["articles"]) == (in_process.triples, in_process.articles)
    names = sorted(p.stem for p in (ROOT / "seeds").glob("*.txt"))
    assert sorted(m.split()[1] for m in seen["messages"] if m.startswith("parsing")) == names
    assert sorted(m.split()[1] for m in seen["messages"] if m.startswith("extracting")) == names
    assert seen["messages"][-2:] == ["linking entities across articles", "writing the graph"]


def test_an_error_in_the_child_is_raised_here():
    with pytest.raises(ModelNotFound, match="no_such_model"):
        build_graph([ROOT / "seeds"], model="no_such_model", lean=True)
    assert gc.get_freeze_count() == 0  # frozen only while the child was forked


def test_a_lean_build_resolves_and_writes_with_the_collector_paused(tmp_path, monkeypatch):
    """Resolving and writing make what the build keeps until it drops the
    corpus, and the collector's scans of it were a third of those steps
    (``kg.builder.build_corpus``); it runs again after, failure or not."""
    import kg.builder

    (tmp_path / "a.txt").write_text(" date 2021-03-01 Ada Quill won Best Drama Actress "
                                    "at the Harbor Awards.", encoding="utf-8")
    seen: dict[str, bool] = {}
    resolve, corpus_quads = kg.builder.resolve, kg.builder.corpus_quads

    def resolving(*args, **kwargs):
        seen["resolving"] = gc.isenabled()
        return resolve(*args, **kwargs)

    def quads(corpus):
        for quad in corpus_quads(corpus):
            seen.setdefault("writing", gc.isenabled())
            yield quad

    monkeypatch.setattr(kg.builder, "resolve", resolving)
    monkeypatch.setattr(kg.builder, "corpus_quads", quads)
    assert gc.isenabled()
    with build_graph([tmp_path], lean=True) as result:
        assert result.triples > 0
        assert gc.isenabled()
    assert seen == {"resolving": False, "writing": False}

    def failing(*args, **kwargs):
        raise RuntimeError("resolution failed")

    monkeypatch.setattr(kg.builder, "resolve", failing)
    with pytest.raises(RuntimeError, match="resolution failed"):
        build_graph([tmp_path], lean=True)
    assert gc.isenabled()

    def failing_quads(corpus):
        raise OSError("disk full")
        yield

    monkeypatch.setattr(kg.builder, "resolve", resolving)
    monkeypatch.setattr(kg.builder, "corpus_quads", failing_quads)
    with pytest.raises(OSError, match="disk full"):
        build_graph([tmp_path], lean=True)
    assert gc.isenabled()

    seen.clear()
    monkeypatch.setattr(kg.builder, "corpus_quads", quads)
    with build_graph([tmp_path], jobs=1) as kept:  # a caller keeping the corpus: left alone
        assert kept.corpus is not None
    assert seen == {"resolving": True, "writing": True}


def test_a_child_that_dies_is_named(monkeypatch):
    import kg.passes

    monkeypatch.setattr(kg.passes, "file_facts", lambda *a, **k: os._exit(3))
    with pytest.raises(ExtractionProcessError, match="exit code 3"):
        build_graph([ROOT / "seeds"], lean=True)


def test_the_child_takes_its_articles_while_the_model_loads(tmp_path, monkeypatch):
    """The list is taken as soon as it is sent (a store's is a megabyte, more
    than a pipe holds), so that this process reads ahead while the child
    loads the model, rather than wait in its sending until it is loaded."""
    import time

    import kg.builder
    import kg.passes

    for i in range(1500):  # about 200 KB listed
        (tmp_path / f"a{i:04d}.txt").write_text(" date 2021-05-02 Mira Dolan won a prize.",
                                                encoding="utf-8")
    read_ahead = tmp_path / "read-ahead"
    monkeypatch.setattr(kg.builder, "preload", read_ahead.touch)

    def load_pipeline(model=None):  # in the child
        for _ in range(600):
            if read_ahead.exists():
                raise RuntimeError("read ahead while the model loaded")
            time.sleep(0.05)
        raise RuntimeError("nothing read ahead until the model was loaded")

    monkeypatch.setattr(kg.passes, "load_pipeline", load_pipeline)
    with pytest.raises(RuntimeError, match="read ahead while the model loaded"):
        build_graph([tmp_path], lean=True)


def test_filed_facts_are_read_from_their_files_each_time_and_a_damaged_one_is_named_once(
        tmp_path):
    import datetime as dt
    import pickle
    import tempfile

    from kg.extraction_process import FiledFacts
    from kg.records import ArticleFacts

    folder = tempfile.TemporaryDirectory(dir=tmp_path)
    files = []
    for position, name in ((2, "a1"), (1, "a2"), (0, "a3"), (3, "a4")):
        path = Path(folder.name) / f"{name}.facts.pickle"
        path.write_bytes(pickle.dumps(ArticleFacts(article_id=name, source=f"{name}.txt",
                                                   date=dt.date(2020, 1, 1))))
        files.append((position, tmp_path / f"{name}.txt", path))
    files[1][2].write_bytes(b"cut sh")  # a full disk, say
    files[2][2].unlink()
    errors: list = []
    filed = FiledFacts(folder, files, errors)
    # what reading them all would hold, without reading them (a file gone counts nothing)
    assert filed.filed_bytes() == sum(p.stat().st_size for _, _, p in files if p.exists())
    first = [f.article_id for f in filed]
    assert first == ["a1", "a4"] and [f.article_id for f in filed] == first
    # named once, in the order the articles were given
    assert [str(e) for e in errors] == [
        f"{tmp_path / name}: its extracted facts could not be read back (a full disk?); "
        "the article was left out" for name in ("a3.txt", "a2.txt")]
    assert len(filed) == 2
    assert next(iter(filed)) is not next(iter(filed))  # read again, not kept
    files[3][2].write_bytes(b"")  # changed after it was read once: never trusted
    with pytest.raises(RuntimeError, match="a4.txt: its extracted facts could not be read a "
                                           "second time"):
        list(filed)
    filed.close()
    assert not Path(folder.name).exists()


def test_the_child_s_docs_are_gone_before_resolution_reads_the_facts(tmp_path, monkeypatch):
    import tempfile

    from kg.articles import load_articles
    from kg.extraction_process import extract_in_child

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    articles, _ = load_articles([ROOT / "seeds"])
    filed = extract_in_child(articles, None, None, [], 2)
    (folder,) = tmp_path.glob("kg-facts-*")
    # the facts of both, logged in one file (``kg.facts_log``); the workers'
    # logs of their first passes gone
    assert [p.name for p in folder.iterdir()] == ["facts.log"]
    assert filed.filed_bytes() == (folder / "facts.log").stat().st_size  # its records' lengths
    assert sorted(f.article_id for f in filed) == sorted(p.stem for p in (ROOT / "seeds").glob(
        "*.txt"))
    filed.close()
    assert not list(tmp_path.iterdir())


def test_facts_that_fit_are_read_once_and_held_and_resolve_as_they_do_read_twice(
        tmp_path, monkeypatch):
    """Below ``HELD_FACTS_BYTES`` a build resolves its facts from a list, read
    once; above, it reads them an article at a time, twice: the same graph,
    over articles whose people and works recur (settled across articles),
    and the same report of an article whose facts could not be read back."""
    import kg.builder
    import kg.extraction_process

    sys.path.insert(0, str(ROOT / "scripts"))
    from synthetic import write_corpus

    corpus = tmp_path / "corpus"
    write_corpus(30, corpus)
    lost = sorted(corpus.glob("*.txt"))[7]
    given: list[str] = []
    resolve, read = kg.builder.resolve, kg.extraction_process.read_facts_file

    def noting(facts, **kwargs):
        given.append(type(facts).__name__)
        return resolve(facts, **kwargs)

    def read_all_but_one(place, *how):
        found = read(place, *how)
        return None if found is not None and found.article_id == lost.stem else found

    monkeypatch.setattr(kg.builder, "resolve", noting)
    monkeypatch.setattr(kg.extraction_process, "read_facts_file", read_all_but_one)
    graphs, reported = [], []
    for limit in (kg.builder.HELD_FACTS_BYTES, 0):
        monkeypatch.setattr(kg.builder, "HELD_FACTS_BYTES", limit)
        turtle = tmp_path / f"graph-{limit}.ttl"
        with build_graph([corpus], jobs=2, lean=True, turtle=turtle,
                         database=False) as result:
            assert result.articles == 29
            reported.append([str(e) for e in result.errors])
        graphs.append(turtle.read_bytes())
    assert given == ["list", "FiledFacts"]
    assert graphs[0] == graphs[1] and graphs[0].count(b"Nomination") > 30
    assert reported[0] == reported[1] == [
        f"{lost}: its extracted facts could not be read back (a full disk?); "
        "the article was left out"]


def test_an_article_that_changes_while_the_build_runs_is_named_and_the_rest_build(
        tmp_path, monkeypatch):
    import shutil

    import kg.builder

    for seed in (ROOT / "seeds").glob("*.txt"):
        shutil.copy(seed, tmp_path / seed.name)
    changing = tmp_path / "changing.txt"
    changing.write_text(" date 2021-03-01 Ada Quill won Best Drama Actress.", encoding="utf-8")
    listed = kg.builder.load_articles

    def list_then_change(paths):  # the workers read the texts after the listing
        found = listed(paths)
        changing.write_text(" date 2021-03-01 Tomas Brandt won.", encoding="utf-8")
        return found

    monkeypatch.setattr(kg.builder, "load_articles", list_then_change)
    with build_graph([tmp_path], jobs=2, lean=True) as result:
        assert result.articles == 2
        assert [(e.path, e.problem.split(" (")[0]) for e in result.errors] == [
            (changing, "the file changed while the build was running")]
        triples = result.triples
    with build_graph(sorted((ROOT / "seeds").glob("*.txt"))) as seeds:
        assert triples == seeds.triples


def _recording(monkeypatch, events: list[str]) -> None:
    """Note when an extraction process starts and when the articles are listed."""
    import kg.builder
    import kg.store
    from kg.extraction_process import ExtractionProcess

    start = ExtractionProcess.start
    monkeypatch.setattr(ExtractionProcess, "start", classmethod(
        lambda cls, model: (events.append("started"), start(model))[1]))
    for module in (kg.builder, kg.store):
        listed = module.load_articles
        monkeypatch.setattr(module, "load_articles", lambda paths, listed=listed: (
            events.append("listed"), listed(paths))[1])


def test_the_extraction_process_loads_the_model_while_the_articles_are_listed(
        tmp_path, monkeypatch):
    import multiprocessing

    from kg.store import build_into_store

    events: list[str] = []
    _recording(monkeypatch, events)
    with build_graph([ROOT / "seeds"], lean=True) as result:
        assert result.articles == 2
    with build_into_store([ROOT / "seeds"], tmp_path / "store") as result:
        assert result.articles == 2
    assert events == ["started", "listed"] * 2
    assert not multiprocessing.active_children()


def test_the_command_line_starts_one_extraction_process_first(tmp_path, monkeypatch):
    from kg.cli import main

    events: list[str] = []
    _recording(monkeypatch, events)
    assert main(["build", str(ROOT / "seeds"), "-o", str(tmp_path / "out"), "--no-html",
                 "-q"]) == 0
    assert main(["build", str(ROOT / "seeds"), "--store", str(tmp_path / "store"),
                 "--no-html", "-q"]) == 0
    assert events == ["started", "listed"] * 2
    assert (tmp_path / "out" / "graph.ttl").is_file()


def test_an_extraction_process_never_sent_articles_ends(tmp_path):
    import multiprocessing

    from kg.extraction_process import ExtractionProcess

    process = ExtractionProcess.start(None)
    assert multiprocessing.active_children()
    process.close()
    assert not multiprocessing.active_children()
    (tmp_path / "empty").mkdir()
    with build_graph([tmp_path / "empty"], lean=True) as result:  # nothing to send it
        assert result.articles == 0
    assert not multiprocessing.active_children()
    # the process given is the one used
    with ExtractionProcess.start("no_such_model") as given, pytest.raises(
            ModelNotFound, match="no_such_model"):
        build_graph([ROOT / "seeds"], lean=True, extraction=given)


def test_a_child_that_could_not_be_sent_its_articles_is_ended(tmp_path):
    import multiprocessing

    from kg.articles import load_articles
    from kg.extraction_process import extract_in_child

    articles, _ = load_articles([ROOT / "seeds"])
    with pytest.raises(FileNotFoundError):  # no folder to file the facts in
        extract_in_child(articles, None, None, [], 1, parent=tmp_path / "missing")
    assert not multiprocessing.active_children()


def test_a_build_waiting_for_the_lock_holds_no_model_meanwhile(tmp_path):
    import multiprocessing

    from kg.extraction_process import ExtractionProcess, lock_waiter, ready

    told: list[str] = []
    with contextlib.ExitStack() as stack:
        early = ExtractionProcess.start(None)
        lock_waiter(early, told.append)("waiting for another build")
        assert told == ["waiting for another build"] and not multiprocessing.active_children()
        again = ready(early, None, stack)  # once the lock is held
        assert again is not early and again.available
        assert ready(again, None, stack) is again
    assert not multiprocessing.active_children()


def test_the_child_imports_spacy_with_the_collector_off_and_freezes_what_it_made(
        tmp_path, monkeypatch):
    """What importing spaCy and kg's extractors makes lives as long as the
    child: imported with the collector off, then frozen out of its scans,
    before the model loads (whose own load runs with it on)."""
    from kg import extraction_process, nlp

    said = tmp_path / "said.txt"
    real = extraction_process.imports_frozen
    real_load = nlp._load_pipeline

    @contextlib.contextmanager
    def watched():
        with real():
            before = gc.get_freeze_count()  # what the child was forked with, frozen
            with said.open("a") as log:  # written by the child
                log.write(f"importing collected={gc.isenabled()}\n")
            yield
        with said.open("a") as log:
            log.write(f"imported collected={gc.isenabled()} "
                      f"frozen={gc.get_freeze_count() - before}\n")

    def load(model):
        with said.open("a") as log:
            log.write(f"loading collected={gc.isenabled()}\n")
        return real_load(model)

    monkeypatch.setattr(extraction_process, "imports_frozen", watched)
    monkeypatch.setattr(nlp, "_load_pipeline", load)
    with build_graph([ROOT / "seeds"], lean=True) as result:
        assert result.articles == 2
    lines = said.read_text().splitlines()
    assert lines[0] == "importing collected=False"
    assert lines[1].startswith("imported collected=True frozen=")
    assert int(lines[1].rsplit("=", 1)[1]) > 0  # what the imports made, frozen too
    assert lines[2] == "loading collected=True"


def test_imports_frozen_restores_a_collector_that_was_off():
    from kg.memory import imports_frozen

    before = gc.get_freeze_count()
    gc.disable()
    try:
        with imports_frozen():
            made = [[] for _ in range(10)]  # tracked by the collector
            assert not gc.isenabled()
        assert not gc.isenabled() and gc.get_freeze_count() >= before + len(made)
    finally:
        gc.unfreeze()
        gc.enable()
    try:
        with imports_frozen():
            assert not gc.isenabled()
        assert gc.isenabled()
    finally:
        gc.unfreeze()
