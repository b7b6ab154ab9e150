"""The persistent store (incremental builds), exports and query parameters."""

from __future__ import annotations

import multiprocessing
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kg.exports import export
from kg.query import run_store_query
from kg.store import build_into_store, load_store_graph

ROOT = Path(__file__).resolve().parent.parent

ARTICLES = {
    "s1": "Nadia Brooks won the Emmy for Outstanding Lead Actress in a Comedy Series for her "
          "role in the HBO series Paper Moons. She beat out Lena Ortiz for Harbor Lights.",
    "s2": "Tomas Ferreira won Outstanding Lead Actor in a Drama Series for Netflix's Low Tide. "
          "\u201cI did not expect this,\u201d Ferreira said.",
    "s3": "Nadia Brooks was also praised by Variety. Low Tide's Tomas Ferreira thanked his "
          "family. #Emmys pic.twitter.com/x1 \u2014 Fan Account (@fan) September 20, 2021",
}


def _write(folder: Path, name: str, text: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text(f" date 2021-09-20 {text or ARTICLES[name]}", encoding="utf-8")
    return path


def _quads(store: Path) -> set[tuple]:
    import pyoxigraph

    s = pyoxigraph.Store.read_only(str(store / "oxigraph"))
    return {(str(q.subject), str(q.predicate), str(q.object), q.graph_name.value) for q in s}


def test_incremental_store_equals_a_fresh_build(tmp_path):
    src = tmp_path / "src"
    a, b, c = (_write(src, n) for n in ("s1", "s2", "s3"))
    store = tmp_path / "store"
    build_into_store([a, b], store)
    build_into_store([c], store)          # add a third article
    build_into_store([a], store)          # rebuild one of them
    fresh = tmp_path / "fresh"
    build_into_store([a, b, c], fresh)
    assert _quads(store) == _quads(fresh)
    assert len(_quads(store)) > 0


def test_a_full_rebuild_says_when_it_writes_its_database_and_an_add_has_no_such_step(
        tmp_path):
    src = tmp_path / "src"
    a, b, c = (_write(src, n) for n in ("s1", "s2", "s3"))
    store = tmp_path / "store"
    steps: list[list[str]] = []
    for paths in ([a, b], [c]):  # a new store is written whole; one article is added
        said: list[str] = []
        build_into_store(paths, store, progress=lambda n, total, what, said=said:
                         said.append(what))
        steps.append([w for w in said if not w.startswith(("parsing ", "extracting "))])
    assert steps == [["linking entities across articles", "writing the store's database"],
                     ["linking entities across articles"]]


def test_rebuilding_an_article_replaces_its_facts(tmp_path):
    src = tmp_path / "src"
    store = tmp_path / "store"
    build_into_store([_write(src, "s1"), _write(src, "s2")], store)
    winners = {r[0] for r in run_store_query(store, _WINNERS).rows}
    assert winners == {"Nadia Brooks", "Tomas Ferreira"}
    _write(src, "s2", "Ada Okafor won Outstanding Lead Actor in a Drama Series for Low Tide.")
    build_into_store([src / "s2.txt"], store)
    winners = {r[0] for r in run_store_query(store, _WINNERS).rows}
    assert winners == {"Nadia Brooks", "Ada Okafor"}
    graphs = {q[3] for q in _quads(store)}
    assert any(g.endswith("graph/article/s1") for g in graphs)
    assert any(g.endswith("graph/entities") for g in graphs)


_WINNERS = """SELECT ?w WHERE { ?n a kg:Nomination ; kg:won true ; kg:nominee/schema:name ?w }"""


def test_store_graph_matches_the_file_build(tmp_path):
    from kg.builder import build_graph

    src = tmp_path / "src"
    paths = [_write(src, n) for n in ARTICLES]
    store = tmp_path / "store"
    result = build_into_store(paths, store)
    assert isomorphic(load_store_graph(store), result.graph)
    assert isomorphic(result.graph, build_graph(paths).graph)


def test_a_folder_that_is_not_a_store_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    from kg.store import StoreError

    with pytest.raises(StoreError, match="not a kg store"):
        build_into_store([_write(tmp_path / "src", "s1")], tmp_path)


def test_exports_round_trip_and_keep_one_graph_per_article(tmp_path):
    from kg.builder import build_graph

    src = tmp_path / "src"
    result = build_graph([_write(src, n) for n in ARTICLES])
    database, graph = result.database, result.graph
    for fmt in ("ttl", "nt", "jsonld"):
        reparsed = Graph().parse(data=export(database, fmt).decode(),
                                 format={"ttl": "turtle", "jsonld": "json-ld"}.get(fmt, fmt))
        assert isomorphic(reparsed, graph), fmt
    ds = Dataset()
    ds.parse(data=export(database, "nq").decode(), format="nquads")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert {n.rsplit("/", 1)[-1] for n in names} >= {"s1", "s2", "s3", "entities"}
    with build_graph([src]) as again:
        assert export(database, "trig") == export(again.database, "trig")
    result.close()


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_cli_store_query_and_params(tmp_path):
    src = tmp_path / "src"
    for n in ARTICLES:
        _write(src, n)
    store = tmp_path / "store"
    assert kg("build", str(src), "--store", str(store)).returncode == 0
    out = kg("query", "winners", "--graph", str(store), "--format", "csv").stdout
    assert "Nadia Brooks" in out and "Tomas Ferreira" in out
    about = kg("query", "entity", "--graph", str(store), "--param", "name=Tomas Ferreira",
               "--format", "csv").stdout
    assert "Low Tide" in about and "Nadia Brooks" not in about
    hostile = kg("query", "entity", "--graph", str(store), "--param",
                 'name=x" } . DROP ALL ; #', "--format", "csv")
    assert hostile.returncode == 0 and hostile.stdout.strip() == "direction,property,value"
    bad = kg("query", "winners", "--graph", str(store), "--param", "no equals sign")
    assert bad.returncode == 2 and "NAME=VALUE" in bad.stderr
    shutil.rmtree(store / "oxigraph")
    assert kg("query", "winners", "--graph", str(store)).returncode == 2


class _Log:
    """Lines written from now on by whichever process writes them (a store
    build extracts in a child process, see ``kg.extraction_process``), in
    order: each appends a line to a file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.clear()

    def add(self, line: str) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    def clear(self) -> None:
        self.path.write_text("", encoding="utf-8")

    def __iter__(self):
        return iter(self.path.read_text(encoding="utf-8").split())


def _counting_extractions(monkeypatch, tmp_path: Path) -> _Log:
    """The ids of the articles extracted from now on, in order."""
    import kg.passes

    calls = _Log(tmp_path / "extracted.txt")
    real = kg.passes.extract_article

    def counting(ctx, hits, known):
        calls.add(ctx.article.id)
        return real(ctx, hits, known)

    monkeypatch.setattr(kg.passes, "extract_article", counting)
    return calls


def _title_articles(src: Path) -> tuple[Path, Path, Path]:
    """An article that mentions a title as plain words, one that marks it as
    a title, and one about another title."""
    old = _write(src, "old", "Ada Quill said Copper Lake changed her life.")
    new = _write(src, "new", "Copper Lake won Outstanding Drama Series at the Emmys. "
                             "Its star Ada Quill thanked the crew.")
    other = _write(src, "other", "Tomas Brandt won Outstanding Lead Actor in a Drama Series "
                                 "for Paper Lanterns.")
    return old, new, other


def test_a_new_title_reextracts_the_stored_articles_that_mention_it(tmp_path, monkeypatch):
    calls = _counting_extractions(monkeypatch, tmp_path)
    old, new, other = _title_articles(tmp_path / "src")
    store = tmp_path / "store"
    build_into_store([old], store)
    calls.clear()
    build_into_store([new], store)  # "Copper Lake" is now a known title: "old" mentions it
    assert sorted(calls) == ["new", "old"]
    calls.clear()
    build_into_store([other], store)  # a title nobody else mentions: only "other" is read
    assert list(calls) == ["other"]
    fresh = tmp_path / "fresh"
    build_into_store([old, new, other], fresh)
    assert _quads(store) == _quads(fresh)
    assert any(q[2].endswith("work/copper-lake>") and q[3].endswith("graph/article/old")
               for q in _quads(store))


def test_an_add_in_workers_reextracts_the_kept_articles_its_titles_reach(tmp_path, monkeypatch):
    """An add of several articles in two processes: the workers that parsed
    them would extract them, but the second pass also takes up a kept
    article a new title is in, which no worker parsed now: it is read from
    the store's files, with the same facts as a fresh build."""
    calls = _counting_extractions(monkeypatch, tmp_path)
    old, new, other = _title_articles(tmp_path / "src")
    from kg import passes

    pools = tmp_path / "pools.txt"

    class CountedPool(passes.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            with pools.open("a") as log:  # written from the process running the passes
                log.write("pool\n")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(passes, "ProcessPoolExecutor", CountedPool)
    store = tmp_path / "store"
    build_into_store([old], store, jobs=2)
    calls.clear()
    build_into_store([new, other], store, jobs=2)
    assert sorted(calls) == ["new", "old", "other"]
    # the first pass in kept workers, the second in fresh ones
    assert pools.read_text().split() == ["pool"]
    fresh = tmp_path / "fresh"
    build_into_store([old, new, other], fresh, jobs=2)
    assert _quads(store) == _quads(fresh)


def test_an_add_reads_no_stored_article_it_does_not_need(tmp_path, monkeypatch):
    """Kept articles are listed from the store's index: an article that brings
    no new title reads none of them; one that does reads only those whose
    letters hold the title (found by the store's index of letters, not by
    reading every text), and the store equals a fresh build."""
    import kg.storearticles
    from kg.storearticles import article_file

    reads = _Log(tmp_path / "reads.txt")
    real = kg.storearticles.read_stored
    monkeypatch.setattr(kg.storearticles, "read_stored",
                        lambda file: reads.add(file.name) or real(file))
    src = tmp_path / "src"
    first = [_write(src, "s1"), _write(src, "s2"),
             _write(src, "lake", "Fans of copper-lake songs met Noor Okafor in Oslo.")]
    plain = _write(src, "plain", "Noor Okafor thanked her family on Sunday.")
    titled = _write(src, "titled", "Ada Quill won Outstanding Drama Series for Copper Lake.")
    store = tmp_path / "store"
    build_into_store(first, store)

    def kept_reads(added: Path) -> list[str]:  # an added article is read from its own file
        own = article_file(store / "articles", added.stem).name
        return [name for name in reads if name != own]

    reads.clear()
    build_into_store([plain], store)
    assert kept_reads(plain) == []
    reads.clear()
    build_into_store([titled], store)
    # "Copper Lake" is new: of the kept texts, only the one it may be in is read
    assert set(kept_reads(titled)) == {article_file(store / "articles", "lake").name}
    fresh = tmp_path / "fresh"
    build_into_store([*first, plain, titled], fresh)
    assert _quads(store) == _quads(fresh)


def _damage_in_place(store: Path, article_id: str) -> Path:
    """Overwrite a stored article's file with garbage of the same size, its
    times and inode kept: the index still vouches for it."""
    import os

    from kg.storearticles import article_file

    file = article_file(store / "articles", article_id)
    before = file.stat()
    with open(file, "r+b") as fh:
        fh.write(b"x" * before.st_size)
    os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))
    return file


@pytest.mark.parametrize("first", [ARTICLES["s1"], "Noor Okafor thanked her family on Sunday."],
                         ids=["marks-titles", "marks-none"])
def test_a_stored_article_damaged_in_place_is_reported_when_its_text_is_needed(tmp_path,
                                                                                first):
    """The index vouches for a file by its size, time and inode: one damaged in
    place, all three kept, is found when its text is read (here for a new
    title whose letters it holds), reported and left out, in that build and
    every later one, even one that needs no stored text (the text is read in
    the extraction process; the store drops the file from its index all the
    same)."""
    src = tmp_path / "src"
    store = tmp_path / "store"
    first += " Fans of copper-lake songs cheered."
    build_into_store([_write(src, "s1", first), _write(src, "s2")], store)
    file = _damage_in_place(store, "s1")
    titled = _write(src, "titled", "Ada Quill won Outstanding Drama Series for Copper Lake.")
    for added in (titled, _write(src, "plain", "Noor Okafor thanked her family on Sunday.")):
        with build_into_store([added], store) as result:
            errors = result.errors
        assert [e.path for e in errors] == [file], errors
        assert "left out" in errors[0].problem
        graphs = {q[3] for q in _quads(store)}
        assert not any(g.endswith("graph/article/s1") for g in graphs)
        assert any(g.endswith("graph/article/s2") for g in graphs)


def test_a_damaged_stored_article_takes_its_titles_with_it(tmp_path):
    """A stored article found damaged in the build that reads it leaves with
    the titles only it marked: the articles that named its work without a cue
    lose that work then, as in a fresh build without it, not a build later."""
    src, rest = tmp_path / "src", tmp_path / "rest"
    store = tmp_path / "store"
    marker = _write(src, "marker", "Ada Quill won Outstanding Drama Series for Copper Lake. "
                                   "Fans sang tin-harbor songs.")  # read for "Tin Harbor"
    mention = _write(rest, "mention", "Copper Lake was praised by critics on Sunday.")
    build_into_store([marker, mention], store)
    assert any("copper-lake" in q[2] for q in _quads(store) if q[3].endswith("/mention"))
    file = _damage_in_place(store, "marker")
    added = _write(rest, "added", "Noor Okafor won Outstanding Comedy Series for Tin Harbor.")
    with build_into_store([added], store) as result:
        assert [e.path for e in result.errors] == [file]
    assert _quads(store) == _fresh_quads([rest])


def _rebuilt_by_two_workers_with_one_damaged(tmp_path: Path, monkeypatch
                                             ) -> tuple[Path, Path]:
    """A store of three articles, one of them then damaged in place, built
    again after a kg version that extracts otherwise, by two workers: the
    damaged one is reported. Returns the articles' folder and the store."""
    import kg.passes

    src, store = tmp_path / "src", tmp_path / "store"
    build_into_store([_write(src, n) for n in ("s1", "s2", "s3")], store)
    file = _damage_in_place(store, "s3")
    monkeypatch.setattr(kg.passes, "extraction_fingerprint", lambda: "another version")
    with build_into_store([], store, jobs=2) as result:
        assert [e.path for e in result.errors] == [file]
    return src, store


def test_a_new_extraction_version_reextracts_the_stored_texts_in_workers(tmp_path,
                                                                           monkeypatch):
    """After a kg version that extracts otherwise, every stored article is
    extracted again by two workers, which read the stored texts themselves
    (the extraction process checks each text, keeps none, and sends the
    articles unread); one damaged meanwhile is reported and left out, and the
    rest equal a fresh build."""
    src, store = _rebuilt_by_two_workers_with_one_damaged(tmp_path, monkeypatch)
    (src / "s3.txt").unlink()
    assert _quads(store) == _fresh_quads([src])


def test_a_stored_text_a_worker_finds_damaged_loses_its_index_row(tmp_path, monkeypatch):
    """A stored file damaged after the extraction process checked it (here it
    is not checked) is found by the worker that reads its text; the
    extraction process then notes it too, so the store drops its index row,
    and every later build reads the file and reports it."""
    import json

    import kg.passes
    from kg.storearticles import INDEX_NAME

    monkeypatch.setattr(kg.passes, "_readable", lambda jobs, failures: jobs)
    _, store = _rebuilt_by_two_workers_with_one_damaged(tmp_path, monkeypatch)
    rows = json.loads((store / "articles" / INDEX_NAME).read_text())["articles"]
    assert sorted(row[0] for row in rows.values()) == ["s1", "s2"]


def test_errors_kept_from_a_store_build_leave_its_database_free(tmp_path):
    """A build's list of unreadable files outlives it; it must not keep the
    build's frames, and so its open database, alive."""
    src = tmp_path / "src"
    store = tmp_path / "store"
    bad = src / "bad.txt"
    good = _write(src, "s1")
    bad.write_text("no date line here", encoding="utf-8")
    with build_into_store([good, bad], store) as first:
        errors = first.errors
    assert [e.path for e in errors] == [bad]
    with build_into_store([_write(src, "s2")], store) as second:  # opens the database
        assert second.errors == []


def test_a_new_title_reextracts_only_articles_it_may_touch(tmp_path, monkeypatch):
    """A title touches a kept article through a run of its words: here a
    person named like the title without its "The" (then no person), not an
    article that only has the title's words apart."""
    calls = _counting_extractions(monkeypatch, tmp_path)
    src = tmp_path / "src"
    named = _write(src, "named", "Noor Okafor praised Copper Harbor on Sunday.")
    apart = _write(src, "apart", "The harbor was copper at dusk, Noor Okafor said.")
    new = _write(src, "new", "The Copper Harbor won Outstanding Drama Series at the Emmys. "
                             "Its star Ada Quill thanked the crew.")
    store = tmp_path / "store"
    build_into_store([named, apart], store)
    calls.clear()
    build_into_store([new], store)
    assert sorted(calls) == ["named", "new"]
    fresh = tmp_path / "fresh"
    build_into_store([named, apart, new], fresh)
    assert _quads(store) == _quads(fresh)


def test_damaged_cache_files_are_made_again(tmp_path):
    src = tmp_path / "src"
    paths = [_write(src, n) for n in ("s1", "s2")]
    store = tmp_path / "store"
    build_into_store(paths, store)
    before = _quads(store)
    for f in (store / "docs").iterdir():
        f.write_bytes(b"\x00garbage")
    build_into_store(paths, store)
    assert _quads(store) == before


def test_a_store_keeps_each_articles_files_and_removes_the_rest(tmp_path):
    src = tmp_path / "src"
    paths = [_write(src, n) for n in ("s1", "s2")]
    store = tmp_path / "store"
    build_into_store(paths, store)
    docs = store / "docs"
    kept = {f.name: f.stat().st_ino for f in docs.iterdir()}
    (docs / f"{'0' * 64}.doc.pickle").write_bytes(b"a Doc of an article since removed")
    for kind in ("first", "facts"):  # and what another extraction code kept
        (docs / f"{'1' * 64}-0123456789abcdef.{kind}.pickle").write_bytes(b"old")
    (docs / "titles-0123456789abcdef.json").write_text("{}")
    (docs / "not-ours").mkdir()
    build_into_store(paths, store)
    # the same files, no article's made again (the titles are written each time),
    # the stray ones gone, a folder left alone
    now = {f.name: f.stat().st_ino for f in docs.iterdir()}
    assert now.keys() == kept.keys() | {"not-ours"}
    del now["not-ours"]
    assert {k: v for k, v in now.items() if k.endswith(".pickle")} == {
        k: v for k, v in kept.items() if k.endswith(".pickle")}
    ends = sorted(name.split(".", 1)[1] if name.endswith(".pickle") else
                  "letters" if name.startswith("letters-") else name.rsplit("-", 1)[0]
                  for name in kept)
    assert ends == ["doc.pickle"] * 2 + ["facts.pickle"] * 2 + ["first.pickle"] * 2 + [
        "known-titles", "letters", "titles"]


def test_pruning_keeps_what_the_build_filed_whatever_its_names_hold(tmp_path):
    """Pruning matches each kept name's ending, so a code or key with a dot in
    it (not made today: they are digests) cannot make it remove what was
    just filed."""
    from kg.passes import _remove_rest

    code, key = "v1.2", "key.with.dots"
    stem = f"made-up-{code}"
    wanted = [f"{key}.doc.pickle", f"{stem}.first.pickle", f"{stem}.facts.pickle",
              f"titles-{code}.json", f"known-titles-{code}.json"]
    stale = [f"other-{code}.first.pickle", "other.doc.pickle", f"{stem}.first.pickle.tmp",
             "titles-v1.json"]
    for name in wanted + stale:
        (tmp_path / name).write_bytes(b"x")
    _remove_rest(tmp_path, code, [key], [stem], [])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(wanted)


@pytest.mark.parametrize("noted", [10_000, 2])
def test_an_add_prunes_what_its_first_listing_of_the_kept_files_found_unwanted(
        tmp_path, monkeypatch, noted):
    """The prune at the end of an add removes the files the build's first
    listing of the kept folder found unwanted (another code's, a text no
    longer stored, a temporary file) without listing the folder again; when
    there were more than it notes, it lists the folder again."""
    import os

    import kg.passes

    monkeypatch.setattr(kg.passes, "_UNWANTED_NOTED", noted)
    store, folders = tmp_path / "store", []
    _stored(folders, store)
    docs = store / "docs"
    stale = ["0123-othercode.first.pickle", "0123-othercode.facts.pickle", "abcd.doc.pickle",
             "titles-othercode.json", "abcd.doc.pickle.tmp"]
    for name in stale:
        (docs / name).write_bytes(b"x")
    kept = {p.name for p in docs.iterdir()} - set(stale)
    listings = tmp_path / "listings"
    real_scandir = os.scandir

    def scandir(path=".", *args):  # counted from whichever process lists
        if isinstance(path, str | os.PathLike) and Path(path) == docs:
            with listings.open("a", encoding="utf-8") as out:
                out.write("listed\n")
        return real_scandir(path, *args)

    monkeypatch.setattr(os, "scandir", scandir)
    folders.append(tmp_path / "p4")
    build_into_store([_write(folders[-1], "p4", COUPLED["p4"])], store)
    now = {p.name for p in docs.iterdir()}
    assert not now & set(stale) and kept <= now
    assert listings.read_text(encoding="utf-8").split() == ["listed"] * (
        1 if noted >= len(stale) else 2)
    assert _quads(store) == _fresh_quads(folders)


def test_an_entity_that_gains_a_fuller_name_is_renamed_everywhere(tmp_path):
    src = tmp_path / "src"
    first = _write(src, "first", "Rob Hale won Outstanding Lead Actor in a Drama Series for "
                                 "Paper Lanterns at the Emmys.")
    second = _write(src, "second", "Robert Hale thanked the cast of Paper Lanterns.")
    store = tmp_path / "store"
    build_into_store([first], store)
    assert any(q[0].endswith("person/rob-hale>") for q in _quads(store))
    build_into_store([second], store)
    quads = _quads(store)
    assert not any("person/rob-hale>" in q[0] + q[2] for q in quads)
    assert any(q[2].endswith("person/robert-hale>") and q[3].endswith("graph/article/first")
               for q in quads)  # the first article's mention follows the new name
    fresh = tmp_path / "fresh"
    build_into_store([first, second], fresh)
    assert quads == _quads(fresh)


# --- incremental updates ------------------------------------------------------------------------

# invented articles whose names meet across articles: a name that gains its fuller
# form, a surname two people share, one category name at two awards, an @handle
# first spelt by a name and then owned by an account, a host named in full and in part
COUPLED = {
    "p1": "Rob Hale won Outstanding Lead Actor in a Drama Series for Paper Lanterns at the "
          "73rd Primetime Emmy Awards. Hale thanked his co-star Ada Quill.",
    "p2": "Robert Hale and Ada Quill of Paper Lanterns were joined by Tomas Brandt, who won "
          "Outstanding Supporting Actor in a Drama Series for Copper Lake.",
    "p3": "Ada Quill won Best Actress at the 94th Academy Awards for Salt Road. Best Director "
          "went to Noor Okafor for Salt Road.",
    "p4": "Best Director at the BAFTA Film Awards went to Lia Brandt for Night Ferry.",
    "p5": "What a night for Copper Lake! @tomasbrandt #Emmys pic.twitter.com/a1 \u2014 Copper "
          "Lake (@copperlakehbo) September 20, 2021\n\nSheila Vance Okoro hosted the show.",
    "p6": "Vance Okoro hosted the ceremony at the Harbor Hall.\n\nThank you all "
          "pic.twitter.com/b2 \u2014 Tomas Brandt (@tomasbrandt) September 19, 2021",
    "p7": "Brandt won again, and Quill cheered.",
}


def _noting(log: list, what: object, real):
    """``real``, noting ``what`` in ``log`` at each call before it runs."""
    def noted(*args, **kwargs):
        log.append(what)
        return real(*args, **kwargs)
    return noted


def _counting_full_rebuilds(monkeypatch) -> list[int]:
    import kg.store

    calls: list[int] = []
    monkeypatch.setattr(kg.store, "write_full", _noting(calls, 1, kg.store.write_full))
    return calls


def _fresh_quads(folders: list[Path]) -> set[tuple]:
    from kg.builder import build_graph

    with build_graph(folders) as fresh:
        return {(str(q.subject), str(q.predicate), str(q.object), q.graph_name.value)
                for q in fresh.database}


def _fold_every_entity(monkeypatch) -> None:
    """Keep a fold of every entity, however few its rows (see FOLD_MIN)."""
    import kg.storeparts
    import kg.storeupdate

    monkeypatch.setattr(kg.storeparts, "FOLD_MIN", 1)
    monkeypatch.setattr(kg.storeupdate, "FOLD_MIN", 1)


def _two_nominees_stored(tmp_path: Path, first: str, second: str) -> tuple[Path, Path]:
    """A store of two articles (named ``first`` and ``second``) that share a
    nominee across two ceremonies; returns (articles' folder, store)."""
    src, store = tmp_path / "src", tmp_path / "store"
    build_into_store([_write(src, first, "Ada Quill and Rob Hale were both nominated for "
                                         "Lead Actor at the 73rd Primetime Emmy Awards."),
                      _write(src, second, "Rob Hale won Best Director at the 94th Academy "
                                          "Awards for Paper Lanterns.")], store)
    return src, store


def _reads_of(monkeypatch, method: str) -> list[str]:
    """What the store's parts are asked for through ``PartsState.<method>``
    (an article or an entity), in order, from now on."""
    import kg.storeparts

    asked: list[str] = []
    real = getattr(kg.storeparts.PartsState, method)
    monkeypatch.setattr(kg.storeparts.PartsState, method,
                        lambda self, key: asked.append(key) or real(self, key))
    return asked


@pytest.mark.parametrize("order", [
    ["p1", "p2", "p3", "p4", "p5", "p6", "p7"],
    ["p7", "p6", "p5", "p4", "p3", "p2", "p1"],
    ["p3", "p6", "p1", "p7", "p2", "p5", "p4"],
])
def test_adds_one_at_a_time_equal_a_fresh_build_in_any_order(tmp_path, monkeypatch, order):
    store, folders = tmp_path / "store", []
    for name in order[:2]:
        folders.append(tmp_path / name)
        _write(folders[-1], name, COUPLED[name])
    build_into_store(folders, store)
    full = _counting_full_rebuilds(monkeypatch)
    for name in order[2:]:
        folders.append(tmp_path / name)
        build_into_store([_write(folders[-1], name, COUPLED[name])], store)
        assert _quads(store) == _fresh_quads(folders), f"after adding {name}"
    assert len(full) < len(order) - 2  # most adds were updates, not rebuilds


def test_a_replaced_article_updates_in_place(tmp_path, monkeypatch):
    store, folders = tmp_path / "store", []
    for name in ("p1", "p2", "p3", "p4"):
        folders.append(tmp_path / name)
        _write(folders[-1], name, COUPLED[name])
    build_into_store(folders, store)
    full = _counting_full_rebuilds(monkeypatch)
    _write(folders[2], "p3", "Noor Okafor won Best Actress at the 94th Academy Awards for "
                             "Night Ferry.")
    build_into_store([folders[2]], store)
    assert full == []
    assert _quads(store) == _fresh_quads(folders)
    assert "Noor Okafor" in {r[0] for r in run_store_query(store, _WINNERS).rows}
    assert not any("Salt Road" in q[2] for q in _quads(store))  # only the old text named it


def _stored(folders: list[Path], store: Path) -> None:
    """Build three coupled articles into ``store``, each in its folder beside it
    (``folders`` gets them)."""
    for name in ("p1", "p2", "p3"):
        folders.append(store.parent / name)
        _write(folders[-1], name, COUPLED[name])
    build_into_store(folders, store)


def test_a_store_a_killed_update_left_is_rebuilt_in_full(tmp_path, monkeypatch):
    from kg.storeparts import DIRTY_MARK

    store, folders = tmp_path / "store", []
    _stored(folders, store)
    (store / DIRTY_MARK).touch()  # as an update killed half way leaves it
    full = _counting_full_rebuilds(monkeypatch)
    folders.append(tmp_path / "p4")
    build_into_store([_write(folders[-1], "p4", COUPLED["p4"])], store)
    assert full == [1] and not (store / DIRTY_MARK).exists()
    assert _quads(store) == _fresh_quads(folders)


def test_an_add_links_the_facts_while_the_child_keeps_its_files(tmp_path, monkeypatch):
    """The extraction process sends the facts once filed, then writes what the
    store keeps for its next build (the titles found, the corpus's titles, the
    pruning) while this process links them."""
    import time

    import kg.passes
    import kg.storeupdate

    store, folders = tmp_path / "store", []
    _stored(folders, store)
    linking, seen = tmp_path / "linking", tmp_path / "seen"
    real_names, real_remove = kg.storeupdate.Update._names, kg.passes._remove_rest

    def names(self, *args, **kwargs):  # here
        linking.touch()
        return real_names(self, *args, **kwargs)

    def remove_rest(*args, **kwargs):  # in the child
        for _ in range(600):  # the old order never gets here: it waited for the child
            if linking.exists():
                seen.touch()
                break
            time.sleep(0.05)
        return real_remove(*args, **kwargs)

    monkeypatch.setattr(kg.storeupdate.Update, "_names", names)
    monkeypatch.setattr(kg.passes, "_remove_rest", remove_rest)
    folders.append(tmp_path / "p4")
    build_into_store([_write(folders[-1], "p4", COUPLED["p4"])], store)
    assert seen.exists()
    assert _quads(store) == _fresh_quads(folders)


def test_an_add_whose_child_fails_after_filing_leaves_the_store_as_it_was(tmp_path,
                                                                         monkeypatch):
    """What the child keeps for the next build is written before the update is
    final: if that fails, the build fails, the database and the kept parts
    stay as they were, and the next add updates them (no full rebuild)."""
    import kg.passes
    from kg.storeparts import DIRTY_MARK

    store, folders = tmp_path / "store", []
    _stored(folders, store)
    before = _quads(store)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kg.passes, "_remove_rest", full_disk)
    folders.append(tmp_path / "p4")
    with pytest.raises(OSError, match="No space left on device"):
        build_into_store([_write(folders[-1], "p4", COUPLED["p4"])], store)
    assert _quads(store) == before and not (store / DIRTY_MARK).exists()
    monkeypatch.undo()
    full = _counting_full_rebuilds(monkeypatch)
    build_into_store([folders[-1]], store)
    assert full == []
    assert _quads(store) == _fresh_quads(folders)


def test_an_update_runs_with_the_collector_paused_and_restores_it(tmp_path, monkeypatch):
    """A full collection during an update scans all the building process holds
    (a fifth of an add at 10,000 articles): the collector is paused for the
    update and runs again after, also when the update fails."""
    import gc

    import kg.storeupdate
    from kg.memory import collection_paused

    store, folders = tmp_path / "store", []
    _stored(folders, store)
    seen: list[bool] = []
    real = kg.storeupdate.Update._merge_and_link

    def merge_and_link(self):
        seen.append(gc.isenabled())
        return real(self)

    monkeypatch.setattr(kg.storeupdate.Update, "_merge_and_link", merge_and_link)
    folders.append(tmp_path / "p4")
    build_into_store([_write(folders[-1], "p4", COUPLED["p4"])], store)
    assert seen == [False] and gc.isenabled()
    with pytest.raises(KeyError), collection_paused():
        raise KeyError("a failed update")
    assert gc.isenabled()
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()  # as it was
    finally:
        gc.enable()


def test_an_add_lists_the_store_with_the_collector_paused_but_extracts_with_it_running(
        tmp_path, monkeypatch):
    """What an add makes for every stored article (its listing among it) is
    made with the collector paused; the passes, run in processes forked from
    one that pauses it for a while, still run with it on; and it runs again
    once the add is done."""
    import gc

    import kg.passes
    from kg.storearticles import ArticleFolder

    store, folders = tmp_path / "store", []
    _stored(folders, store)
    listing: list[bool] = []
    real_listing = ArticleFolder._articles

    def articles(self, errors):
        listing.append(gc.isenabled())
        return real_listing(self, errors)

    seen = tmp_path / "collector-in-the-passes.txt"
    real_first, real_second = kg.passes.first_pass, kg.passes.extract_article

    def note() -> None:  # from whichever process runs the pass
        with seen.open("a", encoding="utf-8") as out:
            out.write(f"{gc.isenabled()}\n")

    def first_pass(*args):
        note()
        return real_first(*args)

    def extract_article(*args):
        note()
        return real_second(*args)

    monkeypatch.setattr(ArticleFolder, "_articles", articles)
    monkeypatch.setattr(kg.passes, "first_pass", first_pass)
    monkeypatch.setattr(kg.passes, "extract_article", extract_article)
    folders.append(tmp_path / "p4")
    build_into_store([_write(folders[-1], "p4", COUPLED["p4"])], store, jobs=2)
    assert listing == [False] and gc.isenabled()
    noted = seen.read_text(encoding="utf-8").split()
    assert noted and set(noted) == {"True"}


def test_an_update_escapes_what_the_text_says(tmp_path, monkeypatch):
    """Article and tweet text go into the database through a SPARQL update:
    quotes, braces, backslashes and SPARQL words in it stay text."""
    store, folders = tmp_path / "store", []
    _stored(folders, store)
    full = _counting_full_rebuilds(monkeypatch)
    hostile = ('Ada Quill said: "} ; DROP ALL ; INSERT DATA { <a:b> <c:d> \\"e\\" } #" and '
               "left.\n\nGRAPH <x:y> {} \\u0022 pic.twitter.com/q9 \u2014 Ada Quill "
               "(@adaquill) September 20, 2021")
    folders.append(tmp_path / "p9")
    build_into_store([_write(folders[-1], "p9", hostile)], store)
    assert full == []
    assert _quads(store) == _fresh_quads(folders)
    assert not any("a:b" in q[0] or "x:y" in q[3] for q in _quads(store))


def test_an_article_that_changes_while_it_is_added_is_named_and_the_rest_are_kept(
        tmp_path, monkeypatch):
    import kg.store

    src, store, fresh = tmp_path / "src", tmp_path / "store", tmp_path / "fresh"
    paths = [_write(src, "s1"), _write(src, "s2"), _write(src, "s3")]
    listed = kg.store.load_articles

    def list_then_change(found_paths):  # the store reads each text when it keeps it
        found = listed(found_paths)
        paths[1].write_text(" date 2021-09-20 Noor Okafor won.", encoding="utf-8")
        return found

    monkeypatch.setattr(kg.store, "load_articles", list_then_change)
    result = build_into_store(paths, store)
    assert [(e.path, e.problem.split(" (")[0]) for e in result.errors] == [
        (paths[1], "the file changed while the build was running")]
    kept = [p for p in (store / "articles").glob("*.json") if p.name != "index.json"]
    assert len(kept) == 2 and result.articles == 2
    monkeypatch.undo()
    build_into_store([paths[0], paths[2]], fresh)
    assert _quads(store) == _quads(fresh)


def test_what_the_store_keeps_is_what_it_extracts_even_if_the_source_then_changes(
        tmp_path, monkeypatch):
    import kg.store

    src, store, fresh = tmp_path / "src", tmp_path / "store", tmp_path / "fresh"
    paths = [_write(src, "s1"), _write(src, "s2")]
    save = kg.store.ArticleStore.save_article

    def save_then_change(self, article):
        kept = save(self, article)
        article.path.write_text(" date 2021-09-20 Noor Okafor won.", encoding="utf-8")
        return kept

    monkeypatch.setattr(kg.store.ArticleStore, "save_article", save_then_change)
    result = build_into_store(paths, store)
    assert result.errors == [] and result.articles == 2
    monkeypatch.undo()
    build_into_store([_write(tmp_path / "again", "s1"), _write(tmp_path / "again", "s2")], fresh)
    assert _quads(store) == _quads(fresh)


def test_a_store_build_never_loads_the_model_in_its_own_process(tmp_path, monkeypatch):
    """It extracts in a child process, as a plain build does, so resolution and
    the database have the memory the model would hold; where it cannot fork,
    it extracts in its own process, with the same graph."""
    import kg.store

    src = tmp_path / "src"
    paths = [str(_write(src, "s1")), str(_write(src, "s2"))]
    code = ("import sys\nfrom kg.store import build_into_store\n"
            f"r = build_into_store({paths!r}, {str(tmp_path / 'child')!r})\n"
            "print(r.articles, r.errors, 'spacy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["2", "[]", "False"]
    monkeypatch.setattr(kg.store, "extract_in_child", lambda *args, **kwargs: None)
    here = build_into_store(paths, tmp_path / "here")
    assert here.articles == 2 and not here.errors
    assert _quads(tmp_path / "child") == _quads(tmp_path / "here")


def test_a_full_rebuild_reads_the_kept_facts_an_article_at_a_time(tmp_path, monkeypatch):
    """Three readings, each in article order, one file at a time (to count
    the names, to link the articles, to keep each one's part): the facts of
    every article are never all read at once."""
    import kg.store

    src, store = tmp_path / "src", tmp_path / "store"
    build_into_store([_write(src, "s1"), _write(src, "s2"), _write(src, "s3")], store)
    reads: list[str] = []
    real = kg.store._read_facts

    def read(path):
        facts = real(path)
        reads.append(facts.article_id)
        return facts

    monkeypatch.setattr(kg.store, "_read_facts", read)
    monkeypatch.setattr(kg.store.ArticleStore, "_can_update", lambda *args: False)
    build_into_store([], store)
    assert reads == ["s1", "s2", "s3"] * 3
    assert not list(store.glob("kg-*"))  # its links were kept in files there, then removed


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                    reason="no extraction process where processes cannot be forked")
def test_a_full_rebuild_waits_for_extraction_to_resolve_and_trims_before_filling(
        tmp_path, monkeypatch):
    """The extraction process's end (writing the titles' index, pruning its
    folder) no longer overlaps a full rebuild's resolution, its largest
    memory; the listing of the stored articles goes back to the system before
    it, and what resolving freed before the database is filled."""
    import kg.store
    from kg.extraction_process import FiledFacts
    from kg.storearticles import ArticleFolder

    src, store = tmp_path / "src", tmp_path / "store"
    build_into_store([_write(src, "s1"), _write(src, "s2")], store)
    order: list[str] = []
    for owner, name, what in ((ArticleFolder, "release", "listing released"),
                              (FiledFacts, "finish", "extraction ended"),
                              (kg.store, "write_full", "resolved"),
                              (kg.store, "trim_memory", "trimmed"),
                              (kg.store.ArticleStore, "write", "filled")):
        monkeypatch.setattr(owner, name, _noting(order, what, getattr(owner, name)))
    monkeypatch.setattr(kg.store.ArticleStore, "_can_update", lambda *args: False)
    build_into_store([_write(src, "s3")], store)
    # (``close`` waits for the extraction process again after, quietly)
    assert order[:6] == ["listing released", "trimmed", "extraction ended", "resolved",
                         "trimmed", "filled"]
    assert _quads(store) == _fresh_quads([src])


def test_an_update_inserts_only_what_the_database_lacks(tmp_path, monkeypatch):
    """An article about the same people reaches their merged entities and
    components, which are made again; the one SPARQL update holds only the
    quads that change, not every quad made again (which, for an article that
    reaches much of a large store, cost more memory than the rest)."""
    import pyoxigraph

    import kg.storeupdate

    src, store = tmp_path / "src", tmp_path / "store"
    build_into_store([_write(src, "s1"), _write(src, "s2")], store)
    before = _quads(store)
    applied: list[tuple[set, set]] = []
    real = kg.storeupdate._sparql_update

    def recorded(removed, added):
        removed, added = set(removed), set(added)
        applied.append((removed, added))
        return real(removed, added)

    monkeypatch.setattr(kg.storeupdate, "_sparql_update", recorded)
    again = tmp_path / "again"
    build_into_store([_write(again, "s1-again", ARTICLES["s1"])], store)
    assert len(applied) == 1  # one incremental update, no full rebuild
    removed, added = applied[0]

    def key(q: pyoxigraph.Quad) -> tuple:
        return str(q.subject), str(q.predicate), str(q.object), q.graph_name.value

    assert added and not {key(q) for q in added} & before
    assert {key(q) for q in removed} <= before
    fresh = tmp_path / "fresh"
    build_into_store([_write(src, "s1"), _write(src, "s2"), _write(again, "s1-again",
                                                                   ARTICLES["s1"])], fresh)
    assert _quads(store) == _quads(fresh)


def test_an_article_whose_new_facts_cannot_be_read_back_is_reported_and_left_out(
        tmp_path, monkeypatch):
    """Facts filed by the extraction process are read back by the store's own
    process; one file it cannot read (a full disk) costs that article, not the
    build, and the store holds the rest as a fresh build of them does."""
    import kg.passes

    src, store, fresh = tmp_path / "src", tmp_path / "store", tmp_path / "fresh"
    real = kg.passes.save_facts

    def damaged_for_s2(job, facts):
        real(job, facts)
        if job.article.id == "s2":
            job.facts_path.write_bytes(b"not a pickle")

    monkeypatch.setattr(kg.passes, "save_facts", damaged_for_s2)
    result = build_into_store([_write(src, "s1"), _write(src, "s2")], store)
    assert [(e.path.name, "could not be read back" in e.problem) for e in result.errors] == [
        ("s2.txt", True)]
    monkeypatch.undo()
    build_into_store([_write(tmp_path / "one", "s1")], fresh)
    assert _quads(store) == _quads(fresh)


def test_an_add_reads_the_kept_digests_without_the_kept_parts(tmp_path):
    """Every add reads every kept article's id and digest; the kept parts fill
    most of the state file, and a cold read of them all cost seconds at
    10,000 articles. The queries use an index that holds ids and digests."""
    import sqlite3

    from kg.storeparts import STATE_FILE, PartsState

    store = tmp_path / "store"
    build_into_store([_write(tmp_path / "src", "s1"), _write(tmp_path / "src", "s2")], store)
    state = PartsState(store / STATE_FILE)
    queries: list[str] = []
    state.db.set_trace_callback(queries.append)
    assert set(state.digests()) == {"s1", "s2"} and set(state.article_ids()) == {"s1", "s2"}
    state.close()
    db = sqlite3.connect(store / STATE_FILE)
    for query in queries:
        plan = " ".join(row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + query))
        assert "COVERING INDEX" in plan, (query, plan)
    db.close()


def test_a_full_rebuild_names_a_damaged_kept_facts_file(tmp_path, monkeypatch):
    """A kept facts file damaged between builds, met by a full rebuild, is a
    clear error naming the file, not a traceback from the unpickler."""
    import kg.store
    from kg.store import StoreError

    store = tmp_path / "store"
    build_into_store([_write(tmp_path / "src", "s1"), _write(tmp_path / "src", "s2")], store)
    damaged = sorted((store / "docs").glob("*.facts.pickle"))[0]
    damaged.write_bytes(b"not a pickle")
    monkeypatch.setattr(kg.store.ArticleStore, "_can_update", lambda *args: False)
    with pytest.raises(StoreError, match="kept facts unreadable") as caught:
        build_into_store([], store)
    assert str(damaged) in str(caught.value)


def test_an_update_finds_its_rows_by_index_not_by_scanning(tmp_path, monkeypatch):
    """Each row an update reads, changes or drops is found through an index:
    an update touches thousands of entities at 10,000 articles, and one table
    scan per entity (dropping its spellings and references by entity) made
    an add about known nominees quadratic in the store. Only the reads of
    every article's id and digest go through a whole index, by design."""
    import re
    import sqlite3

    import kg.storeparts
    from kg.storeparts import STATE_FILE

    store = tmp_path / "store"
    src = tmp_path / "src"
    build_into_store([_write(src, "s1"), _write(src, "s2")], store)
    queries: list[str] = []
    opened = kg.storeparts.PartsState.__init__

    def tracing(self, path):
        opened(self, path)
        self.db.set_trace_callback(queries.append)

    monkeypatch.setattr(kg.storeparts.PartsState, "__init__", tracing)
    build_into_store([_write(src, "s3")], store)
    monkeypatch.undo()
    looked_up = {q for q in queries if re.match(r"\s*(SELECT|DELETE|UPDATE)", q)}
    assert any(q.startswith("DELETE FROM ref") for q in looked_up)  # entities were merged
    db = sqlite3.connect(store / STATE_FILE)
    scans = {}
    for query in looked_up:
        steps = [row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + query)]
        # a whole table or a whole index ("SCAN TABLE x" before sqlite 3.36)
        whole = [s for s in steps if s.startswith("SCAN ")
                 and not s.startswith("SCAN article USING COVERING INDEX")]
        if whole:
            scans[query] = whole
    db.close()
    assert {re.sub(r"= .*", "= ?", q) for q in scans} == set()


def test_an_update_merges_again_only_the_entities_whose_rows_changed(tmp_path, monkeypatch):
    """An article that names a nominee makes the nominee's component again;
    the category it holds comes out with the same rows, so it is not merged
    again (a category or a ceremony has a row in nearly every article: merging
    it means reading them all), and the store still equals a fresh build."""
    import kg.storeupdate

    src, store = tmp_path / "src", tmp_path / "store"
    build_into_store([_write(src, "s1"), _write(src, "s2")], store)
    merged: list[str] = []
    real = kg.storeupdate._Merged.of.__func__

    def spied(cls, pid, rows):
        merged.append(pid)
        return real(cls, pid, rows)

    monkeypatch.setattr(kg.storeupdate._Merged, "of", classmethod(spied))
    build_into_store([_write(src, "s3")], store)
    assert "person\x1ftomas ferreira" in merged  # s3 names him: a row of its own
    assert not [pid for pid in merged if pid.startswith("category\x1f")]
    assert _quads(store) == _fresh_quads([src])


def test_row_changes_compare_rows_by_value():
    """Rows made again equal may pickle otherwise (shared objects are pickled
    once); what was put and dropped within the update cancels out."""
    import pickle

    from kg.records import Evidence
    from kg.resolve.model import Entity
    from kg.resolve.parts import EntityRow
    from kg.storeparts import RowChanges

    ev = Evidence("a1", 0, 9, "Ada Quill")

    def row(shared: bool, name: str = "Ada Quill") -> bytes:
        note_ev = ev if shared else Evidence("a1", 0, 9, "Ada Quill")
        return pickle.dumps(EntityRow(("a1", 1), Entity("p", "person", name, evidence=[ev]),
                                      (("a1", 2), note_ev)))

    assert row(True) != row(False)  # the same row, pickled otherwise
    same = RowChanges()
    same.drop("p", row(True))
    same.put("p", row(False))
    assert not same.changed("p") and not same.changed("q")
    undone = RowChanges()
    undone.put("p", row(True))
    undone.drop("p", row(True))
    assert not undone.changed("p")
    renamed = RowChanges()
    renamed.drop("p", row(True))
    renamed.put("p", row(True, "Ada Quill-Brandt"))
    assert renamed.changed("p")
    fewer = RowChanges()
    fewer.drop("p", row(True))
    fewer.drop("p", row(False, "Ada Q."))
    fewer.put("p", row(True))
    assert fewer.changed("p")
    # what an entity's fold is merged with: the rows put, less those put back
    assert same.added("p") == [] and undone.added("p") == []
    assert renamed.added("p") is None and fewer.added("p") is None  # a row truly lost
    grown = RowChanges()
    grown.drop("p", row(True))
    for put in (row(True, "Ada Quill-Brandt"), row(False), row(True, "A. Quill")):
        grown.put("p", put)
    assert [r.entity.name for r in grown.added("p")] == ["Ada Quill-Brandt", "A. Quill"]
    assert grown.moves("p") == 4 and grown.moved() == {"p"}


def test_a_row_put_back_at_another_rank_stands_in_for_the_lost_one_in_a_fold():
    """A unit made again with a member from an article that sorts first puts
    its row of an award back at that article's rank: merged with the award's
    fold, the row put says all the lost one said, unless the fold keeps
    something of the lost row's own (its rank, as the earliest row or an
    attribute's, or its votes)."""
    import pickle

    from kg.resolve.model import Entity
    from kg.resolve.parts import EntityRow, folded_rows
    from kg.storeparts import RowChanges

    def row(article: str, votes: tuple = ()) -> EntityRow:
        return EntityRow((article, 4), Entity("w", "award", "Velvet Prize",
                                              aliases={"Velvet Prizes"}), votes=votes)

    kept = [row("k1"), row("k2"), row("k3")]
    fold = folded_rows("w", kept)

    def changes(lost: EntityRow, put: EntityRow) -> RowChanges:
        out = RowChanges()
        out.drop("w", pickle.dumps(lost))
        out.put("w", pickle.dumps(put))
        return out

    moved = changes(row("k2"), row("k0"))
    assert moved.added("w") is None  # without the fold: a row truly lost
    assert moved.added("w", fold) == [row("k0")]
    assert changes(row("k1"), row("k0")).added("w", fold) is None  # the earliest: its rank
    other = EntityRow(("k0", 4), Entity("w", "award", "Velvet Prize"))  # fewer aliases
    assert changes(row("k2"), other).added("w", fold) is None
    vote = (("k2", 1), "2021", None, None, None)
    voted = [row("k1"), row("k2", (vote,)), row("k3")]
    assert changes(voted[1], row("k0", (vote,))).added("w", folded_rows("w", voted)) is None


def test_an_add_from_an_article_that_sorts_first_merges_the_award_from_its_fold(
        tmp_path, monkeypatch):
    """A nominee's unit made again by an article whose id sorts before the
    others' puts the unit's rows of its award and ceremony back at that
    article's rank: the award and the ceremony are merged from their folds
    and the row put (they read every article's row before), and the store
    equals a fresh build."""
    _fold_every_entity(monkeypatch)
    src, store = _two_nominees_stored(tmp_path, "b1", "b2")
    read = _reads_of(monkeypatch, "rows")
    full = _counting_full_rebuilds(monkeypatch)
    build_into_store([_write(src, "a0", "Rob Hale was nominated for Best Song at the 94th "
                                        "Academy Awards.")], store)
    assert full == []
    assert "award\x1facademy award" not in read
    assert "ceremony\x1f94th academy awards" not in read
    assert _quads(store) == _fresh_quads([src])


def test_an_update_writes_again_only_the_members_whose_facts_changed(tmp_path, monkeypatch):
    """Two nominees whose open categories share a sentence are one component;
    an article about one of them settles the component again, but only that
    one's unit is made again and only its nominations are written again (a
    component an article reaches can hold thousands of nominees it does not
    name)."""
    import kg.storeupdate

    src, store = tmp_path / "src", tmp_path / "store"
    build_into_store([_write(src, "n1", "Ada Quill and Rob Hale were both nominated for Lead "
                                        "Actor at the 73rd Primetime Emmy Awards.")], store)
    written: list[tuple[set, set]] = []
    real = kg.storeupdate.Update._old_quads

    def spied(self):  # what is cleared once the renamed entities' components are in
        written.append((set(self.roots), set(self.cleared)))
        return real(self)

    monkeypatch.setattr(kg.storeupdate.Update, "_old_quads", spied)
    build_into_store([_write(src, "n2", "Rob Hale won Best Director at the 94th Academy Awards "
                                        "for Paper Lanterns.")], store)
    [(roots, cleared)] = written
    assert roots == {"person\x1frob hale"}  # his unit; Ada Quill's came out the same
    assert cleared == {"person\x1frob hale"}
    assert _quads(store) == _fresh_quads([src])


def test_a_replaced_article_whose_sentence_reads_otherwise_at_the_same_place(tmp_path):
    """An article replaced by a text whose sentence has the same offsets (so
    the same evidence node) but other words: the node keeps the new sentence
    only, as a fresh build has it (the old one stayed beside it)."""
    src, store = tmp_path / "src", tmp_path / "store"
    build_into_store([_write(src, "a", "Ada Quill won Best Director at the 94th Academy "
                                       "Awards for Salt Road."),
                      _write(src, "b", "Rob Hale won Best Song at the Grammys.")], store)
    build_into_store([_write(src, "a", "Ada Quill won Best Director at the 94th Academy "
                                       "Awards for Iron Road.")], store)
    sentences = {q[2] for q in _quads(store) if q[1].endswith("#sentence>")
                 and "/evidence/a-" in q[0]}
    assert sentences == {'"Ada Quill won Best Director at the 94th Academy Awards for '
                         'Iron Road."'}
    assert _quads(store) == _fresh_quads([src])


def test_a_tweet_author_whose_name_becomes_a_title_posts_from_the_works_account(tmp_path):
    """A tweet signed with a name holding an award's ("Oscar ...") is taken
    for an organisation's account; once another article makes that name a
    work's title (a nominee for a screenplay), it is the work's account, in
    the article that quoted the tweet too (its facts unchanged, it is linked
    again), as a fresh build has it. The update looked at the accounts again
    only when a title's key stayed (its spelling changed), not when it came
    or went."""
    src, store = tmp_path / "src", tmp_path / "store"
    build_into_store([_write(src, "a", "Ada Quill won Best Director at the 94th Academy "
                                       "Awards for Salt Road. So proud of the team tonight! "
                                       "pic.twitter.com/x1 \u2014 Oscar Lantern (@lantern) "
                                       "March 28, 2022")], store)

    def owner() -> str:
        [found] = [q[2] for q in _quads(store) if q[0].endswith("/account/lantern>")
                   and q[1].endswith("#account>")]
        return found

    assert "/organization/" in owner()
    build_into_store([_write(src, "b", "Nora Sell won Best Actress for Glass Kingdom at the "
                                       "50th Golden Globe Awards. The other nominees for Best "
                                       "Screenplay \u2013 Motion Picture were Oscar Lantern, "
                                       "Grace Holm and Peter Vale; the prize went to Quiet "
                                       "Window.")], store)
    assert "/work/" in owner()
    assert _quads(store) == _fresh_quads([src])


def test_a_category_keeps_its_iri_when_another_award_has_one_of_that_name(tmp_path):
    """A category's IRI names its award: one article naming another award's
    "Best Director" leaves the first one's IRI (and its nominations') as it
    was; named by the category alone, the two were numbered by which came
    first, so an add renumbered every category of that name."""
    from kg.vocab import KG

    src, store = tmp_path / "src", tmp_path / "store"
    build_into_store([_write(src, "b", "Ada Quill won Best Director at the 94th Academy "
                                       "Awards for Salt Road.")], store)

    def categories() -> set[str]:
        return {q[0].strip("<>") for q in _quads(store) if q[2] == f"<{KG.AwardCategory}>"}

    before = categories()
    assert [iri.rsplit("/", 1)[1] for iri in before] == ["academy-award-best-director"]
    build_into_store([_write(src, "a", "Lia Brandt won Best Director at the BAFTA Film Awards "
                                       "for Night Ferry.")], store)
    assert before < categories() and len(categories()) == 2
    assert not [iri for iri in categories() if iri.endswith("-2")]
    assert _quads(store) == _fresh_quads([src])


def test_a_renumbered_nominee_is_written_again_with_its_whole_component(tmp_path):
    """Two people whose names make one slug are numbered by rank: an earlier
    article about the second takes the plain id, and the first's component
    (its nominations, and its costar's, which came out the same) is written
    again under the new ids."""
    src, store = tmp_path / "src", tmp_path / "store"
    build_into_store([_write(src, "b", "Noor Okafor Hale and Ada Quill were both nominated for "
                                       "Lead Actor at the 73rd Primetime Emmy Awards.")], store)
    before = {q[0] for q in _quads(store)}
    build_into_store([_write(src, "a", "Noor Okafor-Hale won Best Director at the 94th Academy "
                                       "Awards for Salt Road.")], store)
    after = {q[0] for q in _quads(store)}
    assert [s for s in before if s.endswith("/person/noor-okafor-hale>")]
    assert [s for s in after if s.endswith("/person/noor-okafor-hale-2>")]
    assert _quads(store) == _fresh_quads([src])


def test_the_index_of_letters_follows_the_stored_texts(tmp_path):
    """A store's index of letters holds the texts it keeps: a replaced
    article's old text leaves it, its new one comes in."""
    from kg.fingerprints import extraction_fingerprint
    from kg.letters_index import index_name, opened
    from kg.storearticles import ArticleFolder

    src = tmp_path / "src"
    store = tmp_path / "store"
    build_into_store([_write(src, "s1"), _write(src, "s2")], store)
    build_into_store([_write(src, "s1", "Noor Okafor thanked her family on Sunday.")], store)
    digests = {a.digest for a in ArticleFolder(store / "articles").articles()}
    assert len(digests) == 2
    with opened(store / "docs" / index_name(extraction_fingerprint())) as index:
        assert index.known([*digests, "gone"]) == digests
        assert index.containing(["nadiabrooks"]) == set()  # only s1's old text had her
        assert index.containing(["thankedherfamily"]) == {
            a.digest for a in ArticleFolder(store / "articles").articles() if a.id == "s1"}


def test_an_update_reads_a_reached_components_facts_from_the_kept_state(tmp_path,
                                                                        monkeypatch):
    """A component an add reaches is made again from every article with facts
    about its nominees: their nominations, credits and characters come from
    the kept state, not from each article's whole facts file."""
    import kg.storeupdate

    src = tmp_path / "src"
    store = tmp_path / "store"
    build_into_store([
        _write(src, "a", "Ada Quill won Outstanding Lead Actress in a Drama Series for "
                         "Copper Lake at the Emmys."),
        _write(src, "b", "Ada Quill was nominated for Outstanding Lead Actress in a Drama "
                         "Series for Copper Lake at the Emmys. Tomas Brandt hosted.")], store)
    reads: list[str] = []
    made: list[int] = []
    real_read, real_part = kg.storeupdate.read_facts_file, kg.storeupdate.component_part
    monkeypatch.setattr(kg.storeupdate, "read_facts_file",
                        lambda path, *rest: reads.append(path.name) or real_read(path, *rest))
    monkeypatch.setattr(kg.storeupdate, "component_part",
                        lambda facts, *rest, **kw: made.append(len(facts))
                        or real_part(facts, *rest, **kw))
    build_into_store([_write(src, "c", "Ada Quill was nominated for Outstanding Lead Actress in "
                                       "a Drama Series for Copper Lake at the Emmys.")], store)
    assert max(made) == 3  # Ada Quill's unit, from all three articles
    assert reads == []
    assert _quads(store) == _fresh_quads([src])


def test_an_add_without_the_index_of_letters_reads_the_kept_texts_and_fills_it(tmp_path):
    """The index is a cache: lost, a new title is looked for in every kept
    text as before, the store still equals a fresh build, and the texts read
    are indexed again."""
    from kg.fingerprints import extraction_fingerprint
    from kg.letters_index import index_name, opened
    from kg.storearticles import ArticleFolder

    src = tmp_path / "src"
    store = tmp_path / "store"
    first = [_write(src, "s1"), _write(src, "s2"),
             _write(src, "lake", "Fans of copper-lake songs met Noor Okafor in Oslo.")]
    build_into_store(first, store)
    index = store / "docs" / index_name(extraction_fingerprint())
    index.unlink()
    build_into_store([_write(src, "titled", "Ada Quill won Outstanding Drama Series for "
                                            "Copper Lake.")], store)
    assert _quads(store) == _fresh_quads([src])
    digests = {a.digest for a in ArticleFolder(store / "articles").articles()}
    with opened(index) as search:
        assert search.known(digests) == digests


def test_a_costar_who_owns_no_fact_yet_is_reached_when_an_article_names_them(tmp_path,
                                                                            monkeypatch):
    """A nomination names a costar who has no fact of their own ("X and her
    costar Y"; the costar's nominations lend it their work): a later article
    that gives the costar a nomination reaches the first one's component and
    unit, as in a fresh build, where the first nomination takes the costar's
    work."""
    import dataclasses

    import kg.passes
    from kg.records import Ref
    from kg.vocab import KG

    real = kg.passes.extract_article

    def with_costar(ctx, hits, known):  # the facts such phrasing gives
        facts = real(ctx, hits, known)
        change = ({"costar_of": Ref("person", "Rob Hale"), "work": None}
                  if facts.article_id == "a" else {"work": Ref("work", "Salt Road")})
        return dataclasses.replace(facts, nominations=[
            dataclasses.replace(n, **change) for n in facts.nominations])

    monkeypatch.setattr(kg.passes, "extract_article", with_costar)
    src, store = tmp_path / "src", tmp_path / "store"
    build_into_store([_write(src, "a", "Ada Quill was nominated for Best Actor at the 94th "
                                       "Academy Awards.")], store)
    build_into_store([_write(src, "b", "Rob Hale was nominated for Best Actor at the 94th "
                                       "Academy Awards for Salt Road.")], store)
    quads = _quads(store)
    assert quads == _fresh_quads([src])
    hers = {q[0] for q in quads
            if q[1] == f"<{KG.nominee}>" and q[2].endswith("/person/ada-quill>")}
    assert {q[2].rsplit("/", 1)[1] for q in quads
            if q[0] in hers and q[1] == f"<{KG.forWork}>"} == {"salt-road>"}


_TWEETING = {
    "t1": "Ada Quill won Best Actress at the 94th Academy Awards for Night Ferry. What a night "
          "pic.twitter.com/a1 \u2014 Rob Hale (@robhale) March 28, 2022",
    "t2": "Tomas Brandt won Best Actor at the 94th Academy Awards. So proud "
          "pic.twitter.com/a2 \u2014 Noor Okafor (@noorokafor) March 28, 2022",
    "t3": "Night Ferry fans cheered. Thank you "
          "pic.twitter.com/a3 \u2014 Night Ferry (@nightferry) March 28, 2022 "
          "Congratulations pic.twitter.com/a4 \u2014 Rob Hale (@robhale) March 28, 2022",
}


def test_an_update_keeps_the_counts_of_peoples_tweet_accounts_as_a_recount_gives_them(
        tmp_path, monkeypatch):
    from kg.gazetteer import load_gazetteer
    from kg.resolve.parts import personal_authors
    from kg.storeparts import STATE_FILE, PartsState

    works: list[set[str]] = []

    def kept_and_recounted() -> tuple:
        state = PartsState(store / STATE_FILE)
        try:
            canon, authors = state.meta("work_names").canon, state.meta("authors")
            works.append(set(canon))
            return state.meta("personal"), personal_authors(authors, canon, load_gazetteer())
        finally:
            state.close()

    store, folders = tmp_path / "store", []
    for name in ("t1", "t2"):
        folders.append(tmp_path / name)
        _write(folders[-1], name, _TWEETING[name])
    build_into_store(folders, store)
    kept_and_recounted()
    full = _counting_full_rebuilds(monkeypatch)
    folders.append(tmp_path / "t3")
    build_into_store([_write(folders[-1], "t3", _TWEETING["t3"])], store)  # a second tweet
    kept, recounted = kept_and_recounted()
    assert kept == recounted and kept["Rob Hale"] == 2
    _write(folders[0], "t1", "Ada Quill won Best Actress at the 94th Academy Awards.")
    build_into_store([folders[0]], store)  # a replaced article takes its tweet with it
    kept, recounted = kept_and_recounted()
    assert kept == recounted and kept["Rob Hale"] == 1 and kept["Noor Okafor"] == 1
    assert works[0] == works[1] == works[2]  # so the kept counts were updated, not recounted
    assert full == []
    assert _quads(store) == _fresh_quads(folders)


def _store_of_two_wins(tmp_path: Path) -> tuple[Path, Path]:
    """A store of two articles, each a win with a nominee in a component
    (the source folder, the store)."""
    src = tmp_path / "src"
    store = tmp_path / "store"
    build_into_store([
        _write(src, "a", "Ada Quill won Outstanding Lead Actress in a Drama Series for "
                         "Copper Lake at the Emmys, beating Noor Okafor."),
        _write(src, "b", "Rob Hale won Outstanding Lead Actor in a Drama Series for Salt "
                         "Road at the Emmys.")], store)
    return src, store


def test_an_add_reads_the_records_of_the_articles_it_reaches_not_of_its_component(
        tmp_path, monkeypatch):
    """Nominees whose open categories share a sentence are one component, and
    a chain of such sentences makes one large one (coverage of one ceremony
    does). An article with a settled nomination of one of them settles again
    only what it reaches: it reads the records of the articles naming that
    nominee, not of the whole component, and the store equals a fresh build."""

    src, store = tmp_path / "src", tmp_path / "store"
    pairs = [("n1", "Ada Quill", "Rob Hale"), ("n2", "Rob Hale", "Cal Moss"),
             ("n3", "Cal Moss", "Dee Park")]
    build_into_store([_write(src, name, f"{one} and {other} were both nominated for Lead "
                                        "Actor at the 73rd Primetime Emmy Awards.")
                      for name, one, other in pairs], store)
    read = _reads_of(monkeypatch, "records")
    build_into_store([_write(src, "n4", "Dee Park won Best Director at the 94th Academy "
                                        "Awards for Paper Lanterns.")], store)
    assert set(read) == {"n3", "n4"}
    monkeypatch.undo()
    assert _quads(store) == _fresh_quads([src])

    # an open one reaches the sentence it shares, and on
    read = _reads_of(monkeypatch, "records")
    build_into_store([_write(src, "n5", "Dee Park was nominated for Lead Actor at the 73rd "
                                        "Primetime Emmy Awards.")], store)
    assert {"n1", "n2", "n3", "n5"} <= set(read)
    monkeypatch.undo()
    assert _quads(store) == _fresh_quads([src])


def test_an_add_opens_the_database_while_the_article_is_extracted(tmp_path, monkeypatch):
    """The database is opened ahead too, once: the update writes into the
    one opened while the child parsed. An add that turns into a full
    rebuild closes it first (the rebuild replaces its folder), and a
    read-ahead nobody used frees the folder's lock when released."""
    import pyoxigraph

    import kg.extraction_process
    from kg.store import ArticleStore

    src = tmp_path / "src"
    store = tmp_path / "store"
    build_into_store([_write(src, "a", "Ada Quill won Outstanding Lead Actress in a Drama "
                                       "Series for Copper Lake at the Emmys.")], store)
    build_into_store([_write(src, "b", "Rob Hale won Outstanding Lead Actor in a Drama "
                                       "Series for Salt Road at the Emmys.")], store)
    events: list[str] = []
    real_store, real_follow = pyoxigraph.Store, kg.extraction_process._follow
    monkeypatch.setattr(pyoxigraph, "Store",
                        lambda *a, **k: events.append("opened") or real_store(*a, **k))
    monkeypatch.setattr(kg.extraction_process, "_follow",
                        lambda *a: events.append("extracted") or real_follow(*a))
    build_into_store([_write(src, "c", "Ada Quill was nominated for Outstanding Lead "
                                       "Actress in a Drama Series for Copper Lake.")], store)
    assert events[:2] == ["opened", "extracted"] and events.count("opened") == 1  # ahead, once
    events.clear()
    full = _counting_full_rebuilds(monkeypatch)
    build_into_store([_write(src, name, f"Mia Stone{n} won Best Song at the Grammys.")
                      for n, name in enumerate(["d", "e", "f", "g"])], store)
    assert events[:2] == ["opened", "extracted"] and full == [1]  # ahead, then a full rebuild
    monkeypatch.undo()
    assert _quads(store) == _fresh_quads([src])

    kept = ArticleStore(store)
    kept.prefetch()
    assert kept._opened is not None
    with pytest.raises(OSError, match="lock"):
        pyoxigraph.Store(str(store / "oxigraph"))
    kept.release_prefetched()
    pyoxigraph.Store(str(store / "oxigraph"))  # its lock freed


def _assert_an_add_about_her_rebuilds_in_full(monkeypatch, src: Path, store: Path) -> None:
    """Add an article about the store's Ada Quill at the Emmys: it turns into
    one full rebuild, after which the store equals a fresh build."""
    full = _counting_full_rebuilds(monkeypatch)
    build_into_store([_write(src, "c", "Ada Quill was nominated for Outstanding Lead Actress "
                                       "in a Drama Series for Copper Lake at the Emmys.")],
                     store)
    assert full == [1]
    monkeypatch.undo()
    assert _quads(store) == _fresh_quads([src])


def test_an_update_that_finds_its_kept_parts_wanting_rebuilds_in_full(tmp_path, monkeypatch):
    """Kept parts an update cannot read (``StateError``) turn it into a full
    rebuild, which replaces the database's folder: the update's handle on it
    (read ahead, or opened there) is closed first, and the store equals a
    fresh build."""
    import kg.storeparts

    src, store = _store_of_two_wins(tmp_path)

    def wanting(self, article):
        raise kg.storeparts.StateError(f"no records of {article!r} kept")

    monkeypatch.setattr(kg.storeparts.PartsState, "records", wanting)
    _assert_an_add_about_her_rebuilds_in_full(monkeypatch, src, store)


@pytest.mark.parametrize("table", ["chosen", "record"])
def test_kept_records_or_categories_gone_rebuild_in_full(tmp_path, monkeypatch, table):
    """A state file that lost an article's records or settled categories (a
    damaged file) is rebuilt in full, not an error, and the store equals a
    fresh build. (The add settles her nominations at the Emmys again; her
    unit is made again from all of hers, the Oscars' too.)"""
    import sqlite3

    from kg.storeparts import STATE_FILE

    src, store = tmp_path / "src", tmp_path / "store"
    build_into_store([_write(src, "a", "Ada Quill won Outstanding Lead Actress in a Drama "
                                       "Series for Copper Lake at the Emmys."),
                      _write(src, "b", "Ada Quill won Best Actress at the 94th Academy Awards "
                                       "for Night Ferry.")], store)
    with sqlite3.connect(store / STATE_FILE) as db:
        db.execute(f"DELETE FROM {table}")  # noqa: S608 - the test's own table name
    db.close()
    _assert_an_add_about_her_rebuilds_in_full(monkeypatch, src, store)


def test_a_failed_extraction_frees_the_database_read_ahead(tmp_path, monkeypatch):
    """An add whose extraction fails closes the database it opened ahead:
    the next build can open it."""
    import pyoxigraph

    import kg.extraction_process

    src = tmp_path / "src"
    store = tmp_path / "store"
    build_into_store([_write(src, "a", "Ada Quill won Outstanding Lead Actress in a Drama "
                                       "Series for Copper Lake at the Emmys.")], store)

    def broken(*args):
        raise RuntimeError("the extraction process went away")

    monkeypatch.setattr(kg.extraction_process, "_follow", broken)
    with pytest.raises(RuntimeError, match="went away"):
        build_into_store([_write(src, "b", "Rob Hale won Best Song at the Grammys.")], store)
    monkeypatch.undo()
    pyoxigraph.Store(str(store / "oxigraph"))  # not held by the failed build


def test_a_read_ahead_opens_nothing_another_version_kept(tmp_path, monkeypatch):
    """Parts kept by another kg version may not even unpickle here, and its
    store is rebuilt in full, replacing the database: the read-ahead leaves
    it closed, for ``update``."""
    import kg.store
    import kg.storeparts
    from kg.store import ArticleStore

    store = tmp_path / "store"
    build_into_store([_write(tmp_path / "src", "s1")], store)
    kept = ArticleStore(store)
    kept.prefetch()
    assert kept._opened is not None  # this version's: opened ahead
    kept.release_prefetched()
    monkeypatch.setattr(kg.store, "resolution_fingerprint", lambda: "another version")
    other = ArticleStore(store)
    other.prefetch()
    assert other._opened is None

    def unreadable(self, key):
        raise AttributeError("Can't get attribute 'Renamed' on <module 'kg.resolve.settle'>")

    monkeypatch.undo()
    monkeypatch.setattr(kg.storeparts.PartsState, "meta", unreadable)
    broken = ArticleStore(store)
    broken.prefetch()  # not an error here
    assert broken._opened is None


def test_a_fold_stays_while_its_entitys_rows_come_back_alike(tmp_path, monkeypatch):
    """An add that makes a nominee's unit again drops the unit's rows of its
    awards and puts equal ones back: those awards keep their folds, so the
    next add that gives one of them a row merges it from its fold, without
    reading its rows (the fold went, and that add read every row)."""
    _fold_every_entity(monkeypatch)
    src, store = _two_nominees_stored(tmp_path, "a1", "a2")
    build_into_store([_write(src, "a3", "Rob Hale won Best Song at the Grammys.")], store)
    assert _quads(store) == _fresh_quads([src])
    read = _reads_of(monkeypatch, "rows")
    build_into_store([_write(src, "a4", "Lia Brandt won Best Actress at the 94th Academy "
                                        "Awards for Night Ferry.")], store)
    assert "award\x1facademy award" not in read
    assert _quads(store) == _fresh_quads([src])


def test_an_add_merges_a_shared_entity_from_its_fold_and_its_new_rows(tmp_path, monkeypatch):
    """An entity with many rows (every article's award, here any entity)
    keeps a fold of them; an add that only gives it rows merges it from the
    fold and those rows without reading its others, a replacement (which
    drops rows) reads them all, and the store equals a fresh build each time."""
    _fold_every_entity(monkeypatch)
    store, folders = tmp_path / "store", []
    for name in ("p1", "p2", "p3"):
        folders.append(tmp_path / name)
        _write(folders[-1], name, COUPLED[name])
    build_into_store(folders, store)
    read = _reads_of(monkeypatch, "rows")
    full = _counting_full_rebuilds(monkeypatch)
    for name, text in (("p8", "Lia Brandt won Best Director at the 94th Academy Awards for "
                                "Night Ferry."),
                       ("p9", "Rob Hale won again at the 73rd Primetime Emmy Awards.")):
        folders.append(tmp_path / name)
        build_into_store([_write(folders[-1], name, text)], store)
        assert _quads(store) == _fresh_quads(folders), f"after adding {name}"
    assert full == []
    assert not [pid for pid in read if pid.startswith("award\x1f")]
    _write(folders[2], "p3", "Noor Okafor won Best Actress at the 94th Academy Awards for "
                             "Night Ferry.")
    build_into_store([folders[2]], store)
    assert full == []
    assert [pid for pid in read if pid.startswith("award\x1f")]  # it lost p3's old row
    assert _quads(store) == _fresh_quads(folders)
