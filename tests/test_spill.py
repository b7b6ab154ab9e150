"""A build that only writes its graph keeps each article's links (mentions,
citations, tweets, quotes) in files while it resolves: the graph is the same
as when they stay in memory, and the files are gone afterwards."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest

import kg.resolve.parts
from kg.builder import build_graph
from kg.records import ArticleFacts, Evidence, Mention, Quote, Ref
from kg.resolve import Corpus, ResolvedQuote
from kg.resolve.spill import SpilledLinks

ROOT = Path(__file__).resolve().parent.parent


def _quote(article: str, speaker: str) -> ResolvedQuote:
    ev = Evidence(article, 0, 21, "Ada Quill said hello.")
    return ResolvedQuote(article, Quote("hello", None, ev), speaker)


def test_links_are_moved_to_files_read_back_in_order_and_removed(tmp_path):
    spill = SpilledLinks(parent=tmp_path)
    corpus = Corpus(articles=[])
    for n in range(3):
        corpus.mentions.add((f"a{n}", "person/ada-quill"))
        corpus.quotes.append(_quote(f"a{n}", "person/ada-quill"))
        spill.take(corpus)
        assert not corpus.mentions and not corpus.quotes  # moved, not copied
    assert [sorted(s.mentions) for s in spill] == [[(f"a{n}", "person/ada-quill")]
                                                   for n in range(3)]

    def rename(links: Corpus) -> Corpus:
        return Corpus(articles=[], mentions={(a, "person/quill") for a, _ in links.mentions},
                      quotes=links.quotes)

    spill.rewrite(rename)
    assert {m for s in spill for m in s.mentions} == {(f"a{n}", "person/quill") for n in range(3)}
    seen = []
    spill.rewrite(lambda links: seen.append(links.quotes[0].article))  # None: left as it was
    assert seen == ["a0", "a1", "a2"]
    assert {m for s in spill for m in s.mentions} == {(f"a{n}", "person/quill") for n in range(3)}
    corpus.spilled = spill
    assert [len(s.quotes) for s in corpus.link_slices()] == [0, 1, 1, 1]  # its own first
    spill.close()
    assert list(tmp_path.iterdir()) == [] and list(spill) == []


def test_a_build_with_links_in_files_a_few_articles_at_a_time_writes_the_same_graph(
        monkeypatch, tmp_path):
    paths = [ROOT / "seeds", ROOT / "tests" / "data" / "heldout"]
    with build_graph(paths) as kept:  # in memory, as a library caller gets it
        expected = set(map(str, kept.database))
        assert kept.corpus is not None and kept.corpus.spilled is None
    monkeypatch.setattr(kg.resolve.parts, "SLICE_ARTICLES", 1)  # a slice per article
    folders = []
    take = SpilledLinks.take

    def noting(self, corpus):
        folders.append(Path(self._folder.name))
        take(self, corpus)

    monkeypatch.setattr(SpilledLinks, "take", noting)
    out = tmp_path / "out"
    with build_graph(paths, lean=True, workdir=out) as lean:
        assert set(map(str, lean.database)) == expected
        # in the build's own folder beside its output (a /tmp in memory would
        # hold them in memory), and removed once the graph was written
        assert len(set(folders)) == 1 and len(folders) == 12
        assert folders[0].parent.parent == out and not folders[0].exists()
        assert not list(out.glob("**/kg-links-*")) and not list(out.glob("**/kg-facts-*"))


def test_links_in_files_are_removed_when_resolution_fails(monkeypatch, tmp_path):
    from kg.resolve import resolve

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    facts = [_facts("a1"), _facts("a2")]
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(kg.resolve.parts, "SLICE_ARTICLES", 1)
    monkeypatch.setattr(kg.resolve.parts, "merge", broken)
    with pytest.raises(KeyboardInterrupt) as raised:
        resolve(facts, spill=True)
    # removed by resolution itself: the traceback still holds every frame's objects
    assert raised.tb is not None and not list(tmp_path.glob("kg-links-*"))


def _facts(article: str) -> ArticleFacts:
    ev = Evidence(article, 0, 9, "Ada Quill")
    return ArticleFacts(article, f"{article}.txt", dt.date(2021, 9, 20),
                        mentions=[Mention(Ref("person", "Ada Quill"), 0, 9, ev)])
