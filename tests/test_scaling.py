"""Extraction stays linear in an article's length, however long its sentences
(and says how far it has got).

Measured by counting the work done (token lookups of the two scans that used to
walk back to the start of a sentence), not by the clock: twice the text must
cost about twice as much, never four times.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from kg.articles import Article
from kg.builder import build_graph
from kg.extract import awards
from kg.extract.context import ArticleContext
from kg.passes import extract_corpus

ROOT = Path(__file__).resolve().parent.parent

NAMES = ["Ada Quill", "Ivo Marsh", "Tomas Brandt", "Noor Okafor", "Lena Ortiz"]
WORKS = ["Copper Lake", "Salt Road", "Glass Hours"]


def _one_sentence(chunks: int) -> str:
    """An article with no full stop: clauses joined by commas."""
    rng = random.Random(7)
    return ", ".join(
        f"{rng.choice(NAMES)} won best actress for {rng.choice(WORKS)} at the 97th Academy "
        f"Awards and {rng.choice(NAMES)} said \"thank you\" while the crowd cheered"
        for _ in range(chunks))


def _cost(monkeypatch, chunks: int, tmp_path) -> int:
    calls = {"n": 0}
    title_after, person_at = awards.title_after, ArticleContext.person_at

    def counting_title_after(*args, **kwargs):
        calls["n"] += 1
        return title_after(*args, **kwargs)

    def counting_person_at(self, i):
        calls["n"] += 1
        return person_at(self, i)

    monkeypatch.setattr(awards, "title_after", counting_title_after)
    monkeypatch.setattr(ArticleContext, "person_at", counting_person_at)
    path = tmp_path / f"long{chunks}.txt"
    text = " date 2025-03-03\n" + _one_sentence(chunks) + "\n"
    path.write_text(text, encoding="utf-8")
    article = Article(id=path.stem, path=path, date=dt.date(2025, 3, 3), text=text,
                      body_start=text.index("\n") + 1)
    extract_corpus([article])
    return calls["n"]


def test_one_endless_sentence_costs_linear_work(monkeypatch, tmp_path):
    small, large = _cost(monkeypatch, 60, tmp_path), _cost(monkeypatch, 120, tmp_path)
    assert large < 2.6 * small, (small, large)


def test_progress_is_reported_for_each_article_in_both_passes_and_each_later_step():
    from kg.builder import build_graph

    seen: list[tuple[int, int, str]] = []
    build_graph([ROOT / "seeds"], progress=lambda n, total, what: seen.append(
        (n, total, what.split()[0]))).close()
    assert seen == [(1, 2, "parsing"), (2, 2, "parsing"),
                    (1, 2, "extracting"), (2, 2, "extracting"),
                    (2, 2, "linking"), (2, 2, "writing")]


@pytest.mark.parametrize(("jobs", "lean"), [(1, False), (2, False), (2, True)])
def test_an_article_whose_extraction_fails_is_named_and_the_rest_builds(tmp_path, monkeypatch,
                                                                       jobs, lean):
    """An extractor bug costs its article, not the build: the error names the file,
    also when it happened in a worker process (or the extraction process of a
    lean build) and had to be sent back."""
    import kg.passes

    real = kg.passes.extract_article

    def fails_on_one(ctx, hits, known):
        if "Zed Orrin" in ctx.article.text:
            raise IndexError("string index out of range")
        return real(ctx, hits, known)

    monkeypatch.setattr(kg.passes, "extract_article", fails_on_one)  # forked workers see it
    for n in range(4):
        (tmp_path / f"fine{n}.txt").write_text(
            f" date 2021-03-01 Ada Quill{n} won an Emmy for Copper Lake.", encoding="utf-8")
    (tmp_path / "odd.txt").write_text(" date 2021-03-01 Zed Orrin won an Emmy.",
                                      encoding="utf-8")
    with build_graph([tmp_path], jobs=jobs, lean=lean) as result:
        assert result.articles == 4
        assert [(e.path.name, e.problem.split(";")[0]) for e in result.errors] == \
            [("odd.txt", "extraction failed (IndexError: string index out of range)")]


def test_a_pronoun_looks_back_a_bounded_window_not_the_whole_run_on_text():
    """In a text without line breaks the paragraph is the whole text; the person
    "she" refers to is looked for only FOCUS_WINDOW_CHARS back, so resolving each
    pronoun costs the window, not the text so far (quadratic over a long text)."""
    from kg.extract.context import FOCUS_WINDOW_CHARS
    from kg.extract.people import collect_persons
    from kg.gazetteer import load_gazetteer
    from kg.nlp import load_pipeline

    filler = "the crowd cheered and the band played on, " * (FOCUS_WINDOW_CHARS // 40)
    for gap, expected in (("", "Ada Quill"), (filler, None)):
        text = (" date 2025-03-03\nAda Quill won best actress for Copper Lake, " + gap
                + "and then she thanked the crew")
        body = text.index("\n") + 1
        article = Article(id="a", path=Path("a.txt"), date=dt.date(2025, 3, 3), text=text,
                          body_start=body)
        ctx = ArticleContext(article=article, doc=load_pipeline()(text[body:]),
                             gaz=load_gazetteer())
        ctx = ctx.derive(persons=collect_persons(ctx))
        she = next(t.i for t in ctx.doc if t.text == "she")
        focus = ctx.focus_before(she, "she")
        assert (focus.name if focus else None) == expected


def test_a_lean_build_gives_the_same_graph_and_the_model_is_loaded_again_after(monkeypatch):
    import kg.builder
    from kg.nlp import load_pipeline

    before = load_pipeline()
    with build_graph(["seeds"], lean=True) as lean, build_graph(["seeds"]) as kept:
        quads = set(map(str, kept.database))
        assert set(map(str, lean.database)) == quads
        assert lean.corpus is None and kept.corpus is not None
    # the lean build parsed in a child process: this one's model was not touched
    assert load_pipeline() is before
    # where it cannot fork, it extracts here and frees the model after
    monkeypatch.setattr(kg.builder, "extract_in_child", lambda *args, **kwargs: None)
    with build_graph(["seeds"], lean=True) as here:
        assert set(map(str, here.database)) == quads
    # the released pipeline was forgotten: the next build loads a new one
    assert load_pipeline() is not before


def test_a_damaged_kept_facts_file_is_extracted_again(tmp_path):
    """Facts are filed by the second pass and read back at the end; a kept file
    damaged between builds is extracted again, not trusted."""
    from kg.store import build_into_store

    store = tmp_path / "store"
    first = build_into_store(["seeds"], store)
    triples = first.triples
    first.close()
    for f in (store / "docs").glob("*.facts.pickle"):
        f.write_bytes(b"not a pickle")
    again = build_into_store(["seeds"], store)
    assert again.triples == triples and not again.errors
    again.close()


def test_two_files_with_the_same_text_are_two_articles(tmp_path):
    """They share a parsed Doc but not their facts, which name their own file."""
    text = " date 2021-03-01 Ada Quill won an Emmy for Copper Lake."
    for name in ("first.txt", "second.txt"):
        (tmp_path / name).write_text(text, encoding="utf-8")
    with build_graph([tmp_path]) as result:
        assert sorted(a.article_id for a in result.corpus.articles) == ["first", "second"]
        assert {a for a, _ in result.corpus.mentions} == {"first", "second"}


def test_workers_replaced_every_few_articles_give_the_same_facts(monkeypatch):
    """Fresh workers take over every ``_ROUND`` articles (to keep memory flat);
    which worker parses which article must not change a fact."""
    from kg import passes
    from kg.articles import load_articles

    articles, _ = load_articles([ROOT / "seeds", ROOT / "tests" / "data" / "heldout"])
    one = extract_corpus(articles, jobs=1)
    monkeypatch.setattr(passes, "_ROUND", 2)
    rounds = []  # each pass's rounds
    real_rounds = passes._rounds
    monkeypatch.setattr(passes, "_rounds", lambda jobs, n: rounds.append(
        real := real_rounds(jobs, n)) or real)
    pools = []

    class CountedPool(passes.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(passes, "ProcessPoolExecutor", CountedPool)
    reported = []
    assert extract_corpus(articles, jobs=2, progress=lambda *said: reported.append(said)) == one
    for phase in ("parsing", "extracting"):  # each article once a pass
        said = [what for _, _, what in reported if what.startswith(phase)]
        assert sorted(said) == sorted(f"{phase} {a.id}" for a in articles)
    import gc

    assert gc.get_freeze_count() == 0  # what was frozen for the workers is back to normal
    assert len(rounds[0]) > 2 and len(rounds[1]) > 2  # both passes had several rounds...
    assert len(pools) == len(rounds[0]) + len(rounds[1])  # ...each with fresh workers


def test_a_pool_s_second_pass_runs_where_its_first_held_the_article(monkeypatch, tmp_path):
    """In a corpus of one round, the worker that parsed an article stays and
    runs its second pass on the Doc it holds: each article is parsed once,
    and no Doc is filed and read back (nor parsed again), with the facts of
    one process. Past the workers' share of what may be held, the Docs are
    read back, with the same facts."""
    from kg import passes
    from kg.articles import load_articles

    articles, _ = load_articles([ROOT / "seeds", ROOT / "tests" / "data" / "heldout"])
    one = extract_corpus(articles, jobs=1)
    counts = tmp_path / "counts.txt"
    real_read, real_parse = passes.doc_from_bytes, passes.parse

    def note(what: str, n: int = 1) -> None:
        with counts.open("a") as log:  # written from whichever worker does it
            log.write(f"{what}\n" * n)

    def read(nlp, data):
        note("read")
        return real_read(nlp, data)

    def parse(nlp, texts):
        texts = list(texts)
        note("parsed", len(texts))
        return real_parse(nlp, texts)

    def counted() -> tuple[int, int]:
        said = counts.read_text().split()
        counts.unlink()
        return said.count("parsed"), said.count("read")

    monkeypatch.setattr(passes, "doc_from_bytes", read)
    monkeypatch.setattr(passes, "parse", parse)
    reported = []
    assert extract_corpus(articles, jobs=2, progress=lambda *said: reported.append(said)) == one
    assert counted() == (len(articles), 0)
    for phase in ("parsing", "extracting"):  # each article once a pass, counted to the end
        said = [(done, total) for done, total, what in reported if what.startswith(phase)]
        assert said == [(n, len(articles)) for n in range(1, len(articles) + 1)]
    # the second pass's results in the articles' order, though each worker
    # extracts the articles it parsed, a share of them, not a run of them
    assert [what for *_, what in reported if what.startswith("extracting")] == \
        [f"extracting {a.id}" for a in articles]
    monkeypatch.setattr(passes._held, "most_tokens", 2)  # one token a worker: nothing fits
    assert extract_corpus(articles, jobs=2) == one
    assert counted() == (len(articles), len(articles))


def test_a_pool_gets_full_chunks_that_shrink_as_each_round_ends(monkeypatch):
    """A pool's chunks are as large as ``_CHUNK`` (one batch of the model's
    work) while much is left, and shrink to ``_LAST_CHUNK`` as each round of
    fresh workers ends, so no process waits long for another's last chunk;
    no chunk spans two rounds, and together they are the jobs in order."""
    from kg import passes

    def pooled(jobs: list[int], processes: int) -> list[list[int]]:
        return [chunk for chunks in passes._rounds(jobs, processes) for chunk in chunks]

    for length in range(1, 120):  # rounds of every length: no job twice, none left out
        monkeypatch.setattr(passes, "_ROUND", length)
        jobs = list(range(length * 2 + 3))
        assert [j for c in pooled(jobs, 2) for j in c] == jobs
        assert len(passes._rounds(jobs, 2)) == -(-len(jobs) // length)  # rounds of _ROUND
    monkeypatch.setattr(passes, "_ROUND", 300)
    jobs = list(range(700))
    chunks = pooled(jobs, 2)
    assert [j for c in chunks for j in c] == jobs
    sizes = [len(c) for c in chunks]
    assert max(sizes) == passes._CHUNK and sizes[0] == passes._CHUNK
    starts = [c[0] for c in chunks]
    assert {0, 300, 600} <= set(starts)  # each round starts a chunk...
    assert all(c[0] // 300 == c[-1] // 300 for c in chunks)  # ...and none spans two
    for first in (0, 300):  # full rounds: full chunks first, then ever smaller ones
        own = [len(c) for c in chunks if first <= c[0] < first + 300]
        assert own == sorted(own, reverse=True) and own[-2] <= passes._LAST_CHUNK
    # a small corpus still gives each process several chunks, and a tiny one
    # each process one at least
    assert len(pooled(list(range(40)), 2)) >= 4
    for n in range(2, 9):
        assert len(pooled(list(range(n)), 2)) >= 2
        assert len(pooled(list(range(n * 4)), 8)) >= 8
    # one process alone takes fixed chunks
    assert {len(c) for c in passes._chunks(jobs)[:-1]} == {passes._ALONE_CHUNK}


def test_the_title_index_is_made_once_for_every_round_of_workers(monkeypatch, tmp_path):
    """The second pass's index of every title in the corpus is made by the
    process that forks the workers, before it forks them: workers share it
    rather than each making its own in every round."""
    from kg import passes
    from kg.articles import load_articles

    made = tmp_path / "made.txt"

    class CountedKnownWorks(passes.KnownWorks):
        def __init__(self, by_fold):
            super().__init__(by_fold)
            with made.open("a") as log:  # written from whichever process makes one
                log.write("made\n")

    monkeypatch.setattr(passes, "KnownWorks", CountedKnownWorks)
    monkeypatch.setattr(passes, "_ROUND", 2)
    articles, _ = load_articles([ROOT / "seeds", ROOT / "tests" / "data" / "heldout"])
    facts = extract_corpus(articles, jobs=2)
    assert len(facts) == len(articles)
    # one for the titles changed since a kept build (none here), one the workers share
    assert made.read_text().count("made") == 2
    assert passes._known is None  # and forgotten once the pass is over


def test_a_store_keeps_its_files_whole_and_a_build_files_nothing_an_article(
        monkeypatch, tmp_path):
    """A store's Docs, first passes and facts outlive the build, so each goes
    through a temporary file renamed into place (a kill never leaves half of
    one); a plain build's scratch goes with it, and holds no file an article
    at all, whatever the processes (logs instead, ``kg.facts_log``)."""
    from kg import passes
    from kg.articles import load_articles

    articles, _ = load_articles([ROOT / "seeds"])
    through_temp: list[Path] = []
    real = passes.write_atomic
    monkeypatch.setattr(passes, "write_atomic",
                        lambda path, data, **kw: through_temp.append(Path(path)) or
                        real(path, data, **kw))
    monkeypatch.setattr(passes._held, "most_tokens", 0)  # one process holds none
    plain = extract_corpus(articles)

    def no_file(job, path, data):  # raised in a worker too: its article fails
        raise AssertionError(f"{path} filed")

    monkeypatch.setattr(passes.Job, "write", no_file)
    assert extract_corpus(articles, jobs=2) == plain
    assert through_temp == []
    monkeypatch.undo()
    monkeypatch.setattr(passes, "write_atomic",
                        lambda path, data, **kw: through_temp.append(Path(path)) or
                        real(path, data, **kw))
    kept = tmp_path / "docs"
    assert extract_corpus(articles, doc_dir=kept) == plain
    names = {p.name for p in through_temp}
    assert {p.parent for p in through_temp} == {kept}
    for kind in (".doc.pickle", ".first.pickle", ".facts.pickle"):
        assert sum(n.endswith(kind) for n in names) == len(articles), kind


def test_one_process_holds_a_bounded_part_of_its_articles_between_the_passes(
        monkeypatch, tmp_path):
    """With one process the first pass keeps articles in memory for the
    second, up to a number of tokens whatever the corpus's size, and files the
    rest: each article is parsed and first-passed once, only the rest are
    filed and read back, and the facts are those of two processes. An
    article of the same text as a held one is not parsed again."""
    from kg import passes
    from kg.articles import load_articles

    for name in ("twin-a", "twin-b"):  # one text, two articles
        (tmp_path / f"{name}.txt").write_text(
            " date 2021-03-01 Ada Quill won an Emmy for Copper Lake.", encoding="utf-8")
    articles, _ = load_articles([ROOT / "seeds", ROOT / "tests" / "data" / "heldout",
                                 tmp_path])
    pooled = extract_corpus(articles, jobs=2)
    sizes: list[int] = []
    counts = {"parsed": 0, "first": 0, "filed": 0, "read": 0}
    real_keep, real_parse, real_first = passes._Held.keep, passes.parse, passes.first_pass
    real_save, real_read = passes.doc_bytes, passes.doc_from_bytes

    def keep(self, key, stem, ctx, hits):
        real_keep(self, key, stem, ctx, hits)
        sizes.append(self.tokens)
        assert ctx.doc.tensor.size == 0  # the model's tensor is not held

    def parse(nlp, texts):
        texts = list(texts)
        counts["parsed"] += len(texts)
        return real_parse(nlp, texts)

    def counted(name, real):
        def call(*args):
            counts[name] += 1
            return real(*args)
        return call

    monkeypatch.setattr(passes._Held, "keep", keep)
    monkeypatch.setattr(passes, "parse", parse)
    monkeypatch.setattr(passes, "first_pass", counted("first", real_first))
    monkeypatch.setattr(passes, "doc_bytes", counted("filed", real_save))
    monkeypatch.setattr(passes, "doc_from_bytes", counted("read", real_read))
    assert extract_corpus(articles, jobs=1) == pooled
    # room for all: every article held, none filed or read back; the twins parsed once
    assert len(sizes) == len(articles)
    assert counts == {"parsed": len(articles) - 1, "first": len(articles), "filed": 0,
                      "read": 0}
    room = sizes[len(sizes) // 2]
    sizes.clear()
    counts.update(dict.fromkeys(counts, 0))
    monkeypatch.setattr(passes._held, "most_tokens", room)
    assert extract_corpus(articles, jobs=1) == pooled
    assert 0 < len(sizes) < len(articles) and max(sizes) <= room
    rest = len(articles) - len(sizes)
    assert counts["first"] == len(articles) and counts["parsed"] <= len(articles)
    # only those not held are read back, and filed (logged in the build's
    # scratch, ``kg.facts_log``: there once for each twin, in a store's folder once)
    assert counts["read"] == rest and rest - 1 <= counts["filed"] <= rest
    assert passes._held.by_stem == {} and passes._held.tokens == 0  # let go after the build
    assert passes._held.docs == {}

    def fails(*args, **kwargs):
        raise RuntimeError("between the passes")

    monkeypatch.setattr(passes, "_settle", fails)  # a build that stops with articles held
    with pytest.raises(RuntimeError, match="between the passes"):
        extract_corpus(articles, jobs=1)
    assert passes._held.by_stem == {} and passes._held.docs == {}


def test_one_process_parses_in_batches_of_bounded_text(monkeypatch):
    """A batch's memory grows with its text: the articles are parsed in
    batches of up to ``_BATCH_CHARS`` characters (a longer article alone),
    in order, each giving the Doc one parse of it alone gives."""
    from kg import passes
    from kg.nlp import load_pipeline, parse

    texts = [f"{name} won best actress for Copper Lake{'!' * n}."
             for n, name in enumerate(NAMES * 3)]
    texts.insert(4, "Ivo Marsh said thanks. " * 20)  # longer than a batch by itself
    batches: list[list[str]] = []
    monkeypatch.setattr(passes, "parse",
                        lambda nlp, batch: batches.append(list(batch)) or parse(nlp, batch))
    monkeypatch.setattr(passes, "_BATCH_CHARS", 150)
    nlp = load_pipeline()
    docs = list(passes._parsed(nlp, texts))
    assert [d.text for d in docs] == texts
    assert [t for batch in batches for t in batch] == texts and len(batches) > 3
    assert all(len(batch) == 1 or sum(map(len, batch)) <= 150 for batch in batches)
    # and each batch as full as the limit lets it be
    assert all(sum(map(len, batch)) + len(after[0]) > 150
               for batch, after in zip(batches, batches[1:], strict=False))
    assert [passes.doc_bytes(d) for d in docs] == [passes.doc_bytes(nlp(t)) for t in texts]


class _Counted:
    """A mention whose ``span`` counts its readers (what a scan of every mention
    for every sentence reads once a sentence)."""

    reads = 0

    def __init__(self, mention) -> None:
        self._mention = mention

    @property
    def span(self):
        _Counted.reads += 1
        return self._mention.span

    def __getattr__(self, name: str):
        return getattr(self._mention, name)


def _mention_reads(sentences: int) -> int:
    """How often the nominations and the ceremony's facts of an article of
    ``sentences`` sentences, each naming the award and a category, read a
    mention's span."""
    from test_extractors import context

    rng = random.Random(3)
    body = " ".join(f"{rng.choice(NAMES)} won the Emmy for Outstanding Drama Series for "
                    f"{rng.choice(WORKS)} at the 75th Primetime Emmy Awards on Monday."
                    for _ in range(sentences))
    ctx = context(body)
    mentions = awards.award_mentions(ctx)
    award = awards.main_award(ctx, mentions)
    ceremony = awards.main_ceremony(ctx, mentions, award)
    categories = awards.category_mentions(ctx, award)
    assert award is not None and ceremony is not None and len(categories) >= sentences
    _Counted.reads = 0
    list(awards.extract_nominations(ctx, award, ceremony, [_Counted(c) for c in categories],
                                    mentions))
    list(awards.ceremony_facts(ctx, ceremony, [_Counted(m) for m in mentions]))
    return _Counted.reads


def test_a_long_article_of_many_sentences_reads_each_mention_a_bounded_number_of_times():
    """Each sentence's categories and award mentions are found by index, not by a
    look at every mention of the article: twice the sentences, twice the reads."""
    small, large = _mention_reads(40), _mention_reads(80)
    assert large < 2.3 * small, (small, large)


class _CountedPeople(tuple):
    """An article's people that count how often they are looked through."""

    looks = 0

    def __iter__(self):
        _CountedPeople.looks += 1
        return super().__iter__()


def test_a_long_list_of_nominees_looks_through_the_articles_people_once():
    """Whether a list's nominee is a person is looked up among the article's
    people, folded once, not by a look at every person for every line."""
    import dataclasses

    from test_extractors import context

    from kg.extract.lists import find_list_entries

    rng = random.Random(5)
    lines = [f"Outstanding Drama Series: {rng.choice(WORKS)} (WON); {rng.choice(WORKS)}; "
             f"{rng.choice(WORKS)}." for _ in range(30)]
    ctx = context("\n".join(lines))
    ctx = dataclasses.replace(ctx, persons=_CountedPeople(ctx.persons))
    award = awards.main_award(ctx, awards.award_mentions(ctx))
    _CountedPeople.looks = 0
    entries = list(find_list_entries(ctx, award))
    assert len(entries) >= 60 and not any(e.nominee_is_person for e in entries)
    assert _CountedPeople.looks <= 1, _CountedPeople.looks
