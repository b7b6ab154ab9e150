"""A build's own facts go to one log, a store's to a file an article
(``kg.facts_log``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
from pathlib import Path

import pytest

from kg.facts_log import FactsLog, file_of, read_place
from kg.records import ArticleFacts, read_facts_file

ROOT = Path(__file__).resolve().parent.parent


def _facts(name: str) -> bytes:
    return pickle.dumps(ArticleFacts(article_id=name, source=f"{name}.txt",
                                     date=dt.date(2021, 3, 1)))


def test_records_are_appended_to_one_file_and_read_back_by_their_places(tmp_path):
    log_path = tmp_path / "facts.log"
    with FactsLog(log_path) as log:
        assert not log_path.exists()  # nothing logged, no file
        places = [log.append(_facts(name)) for name in ("ada-quill", "jon-vance", "mira-sol")]
    assert [p.name for p in tmp_path.iterdir()] == ["facts.log"]
    assert {file_of(place) for place in places} == {str(log_path)}
    assert [read_facts_file(place).article_id for place in places] == [
        "ada-quill", "jon-vance", "mira-sol"]
    assert read_place(places[1]) == _facts("jon-vance")
    assert log_path.stat().st_size == sum(len(_facts(n)) for n in
                                          ("ada-quill", "jon-vance", "mira-sol"))


def test_a_log_opened_again_appends_after_what_it_holds(tmp_path):
    """As a later process of the same id does with its log; a ``relative``
    log's places name it alone, and are read against its folder."""
    log_path = tmp_path / "first-7.log"
    places = []
    for name in ("ada-quill", "jon-vance"):
        with FactsLog(log_path, relative=True) as log:
            places.append(log.append(_facts(name)))
    assert [file_of(place) for place in places] == ["first-7.log"] * 2
    assert [read_place(place, tmp_path) for place in places] == [
        _facts("ada-quill"), _facts("jon-vance")]
    with pytest.raises(OSError):
        read_place(places[1])  # not where this process runs


def test_a_record_can_be_read_as_soon_as_it_is_appended(tmp_path, monkeypatch):
    """Written out at once, however large the file's buffer (so a forked
    process inherits nothing pending)."""
    import kg.facts_log

    monkeypatch.setattr(kg.facts_log, "open", lambda path, mode: open(  # noqa: SIM115
        path, mode, buffering=1 << 20), raising=False)
    log = FactsLog(tmp_path / "facts.log")
    place = log.append(_facts("ada-quill"))
    assert read_facts_file(place).article_id == "ada-quill"
    log.close()


def test_a_file_of_its_own_is_a_place_too(tmp_path):
    own = tmp_path / "a.facts.pickle"
    own.write_bytes(_facts("ada-quill"))
    assert file_of(str(own)) == str(own)
    assert read_place(own) == read_place(str(own)) == _facts("ada-quill")
    assert read_facts_file(own).article_id == "ada-quill"


def test_a_record_cut_short_or_a_place_not_logged_is_not_trusted(tmp_path):
    log_path = tmp_path / "facts.log"
    with FactsLog(log_path) as log:
        first, second = log.append(_facts("ada-quill")), log.append(_facts("jon-vance"))
    with open(log_path, "r+b") as f:  # a full disk, say: the last record cut short
        f.truncate(log_path.stat().st_size - 5)
    assert read_facts_file(first).article_id == "ada-quill"
    with pytest.raises(EOFError, match="cut short"):
        read_place(second)
    assert read_facts_file(second) is None
    for bad in (f"{log_path}\0x\0{len(_facts('ada-quill'))}", f"{log_path}\0" "0",
                str(tmp_path / "gone.facts.pickle")):
        assert read_facts_file(bad) is None


def _counting_parses(monkeypatch) -> list[int]:
    """The number of texts of each call to the parser, as the build goes."""
    from kg import passes

    parsed: list[int] = []
    real_parse = passes.parse

    def parse(nlp, texts):
        texts = list(texts)
        parsed.append(len(texts))
        return real_parse(nlp, texts)

    monkeypatch.setattr(passes, "parse", parse)
    return parsed


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_build_logs_its_scratch_and_a_store_files_it_one_file_an_article(
        tmp_path, monkeypatch, jobs):
    """The same facts either way. In a build's scratch: the first pass's Docs
    and states in a log a process, the facts in one log, whoever extracted
    them (this process, or a pool's workers, which hand them back); no file
    an article."""
    from kg import passes
    from kg.articles import load_articles

    monkeypatch.setattr(passes._held, "most_tokens", 0)  # one process holds none
    articles, _ = load_articles([ROOT / "seeds"])
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    failures: list = []
    filed = passes.file_facts(articles, None, None, failures, jobs, None, scratch)
    places = [place for *_, place in filed.jobs]
    assert failures == [] and len(places) == len(articles)
    assert {file_of(place) for place in places} == {str(scratch / "facts.log")}
    real_run = passes._run
    monkeypatch.setattr(passes, "_run", lambda *a, **k: pytest.fail("extracted again"))
    logged = passes.read_facts(filed, articles, None, failures)  # every record read back
    monkeypatch.setattr(passes, "_run", real_run)
    names = sorted(p.name for p in scratch.iterdir())
    assert not [n for n in names if n.endswith(".pickle")]
    assert names[0] == "facts.log" and all(
        n.startswith("first-") and n.endswith(".log") for n in names[1:-1]) and \
        len(names) - 2 in range(1, jobs + 1) and names[-1] == "known-titles.json"

    store_docs = tmp_path / "docs"
    kept = passes.file_facts(articles, None, None, failures, jobs, store_docs, scratch)
    assert not list(store_docs.glob("*.log"))
    assert all(Path(place).parent == store_docs and place.endswith(".facts.pickle")
               for *_, place in kept.jobs)
    assert passes.read_facts(kept, articles, None, failures) == logged
    assert sorted(f.article_id for f in logged.values()) == sorted(a.id for a in articles)


def test_a_first_pass_record_that_cannot_be_read_is_parsed_again(tmp_path, monkeypatch):
    from kg import passes
    from kg.articles import load_articles

    articles, _ = load_articles([ROOT / "seeds"])
    expected = passes.extract_corpus(articles, jobs=2)
    parsed = _counting_parses(monkeypatch)
    asked: list[str] = []

    def unreadable(place, folder=None):
        asked.append(place)
        raise OSError("gone")

    monkeypatch.setattr(passes, "read_place", unreadable)
    monkeypatch.setattr(passes._held, "most_tokens", 0)
    assert passes.extract_corpus(articles, jobs=1) == expected
    assert sum(parsed) == 2 * len(articles)  # once in each pass
    assert len(asked) == len(articles)


def test_each_article_reads_back_its_own_record_chunk_after_chunk(tmp_path, monkeypatch):
    """One article a chunk, none held: the process's log is opened again for
    each, and every record is found where it was said to be (an article
    given another's record would be parsed again, or worse)."""
    from kg import passes
    from kg.articles import load_articles

    articles, _ = load_articles([ROOT / "seeds", ROOT / "tests" / "data" / "heldout"])
    expected = passes.extract_corpus(articles, jobs=2)
    parsed = _counting_parses(monkeypatch)
    monkeypatch.setattr(passes, "_ALONE_CHUNK", 1)
    monkeypatch.setattr(passes._held, "most_tokens", 0)
    assert passes.extract_corpus(articles, jobs=1) == expected
    assert parsed == [1] * len(articles)  # parsed once each, never again


def test_a_record_of_another_article_is_not_trusted(tmp_path, monkeypatch):
    """A place that leads to another article's record (a log misread) has
    the article parsed again, not given the other's Doc."""
    from kg import passes
    from kg.articles import load_articles

    articles, _ = load_articles([ROOT / "seeds"])
    expected = passes.extract_corpus(articles, jobs=1)
    real_titles = passes._titles
    swapped: list[int] = []

    def titles(jobs_list, *args):
        found = real_titles(jobs_list, *args)
        first, second = jobs_list[0], jobs_list[1]  # each given the other's record
        jobs_list[0] = dataclasses.replace(first, first_at=second.first_at)
        jobs_list[1] = dataclasses.replace(second, first_at=first.first_at)
        swapped.extend(j.index for j in jobs_list if j.first_at is not None)
        return found

    monkeypatch.setattr(passes, "_titles", titles)
    monkeypatch.setattr(passes._held, "most_tokens", 0)
    assert passes.extract_corpus(articles, jobs=1) == expected
    assert swapped == [0, 1]
