"""Extraction over a whole corpus: two passes, streamed, in N processes.

The first pass parses each article, files its Doc and what the second pass
needs from it (its people, work hits and category mentions) in a folder, and
returns the work titles it found; the second pass, knowing every title in the
corpus, reads each article back, extracts its facts and files them too. Only
titles cross between processes (and, in a build's own scratch, where each
article's first pass was logged, and its pickled facts), never live Docs,
and the facts are read back only once every worker is done, so the workers
and the corpus's facts are never in memory at the same time; and because
titles are merged in article order, the facts are the same for any number
of processes. One process alone (``--jobs 1``) runs both passes itself,
and holds a bounded number of its parsed articles in memory between them
instead of filing them (``_Held``); so do the workers of a corpus small
enough for one round of them (``_ROUND``), which stay for the second pass
and run it on the articles they parsed (``LocalRunner``).

A plain build's folder is its own scratch, gone with it: there each process
appends what its first pass files to a log of its own and says where
(``Logged``), and the second pass hands each article's facts back, pickled,
to be appended to one log by the process that runs the passes
(``kg.facts_log``): creating a file an article cost more than writing it.
A store's folder keeps a file an article and kind, named as below.

Files are named by a key of the article's text (its digest, which a store
keeps in its index of articles, so that a stored article's text is read only
when needed), the model, kg's rules and the Doc's file format (and, for
extraction results, kg's code), so a persistent folder (a store's) doubles as
a cache: an unchanged article is never parsed twice, nor extracted twice
unless a title it mentions came or went.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import math
import multiprocessing
import os
import pickle
import sqlite3
import tempfile
from array import array
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy
from spacy.language import Language
from spacy.tokens import Doc

from kg.articles import Article, ArticleError, dumps_listed
from kg.atomic import write_atomic
from kg.extract.context import ArticleContext
from kg.extract.cue_phrases import forget_matchers
from kg.extract.known_works import KnownWorks, letters_of
from kg.extract.works import WorkHit
from kg.facts_log import FactsLog, read_place
from kg.fingerprints import extraction_fingerprint, resolution_fingerprint, rules_fingerprint
from kg.gazetteer import fold, load_gazetteer
from kg.letters_index import LettersIndex, index_name, opened
from kg.matmul import kind as matmul_kind
from kg.memory import collection_paused, frozen_objects, give_back
from kg.nlp import load_pipeline, parse, release_pipeline
from kg.pipeline import (
    FirstPassState,
    extract_article,
    first_pass,
    first_pass_state,
    nlp_text,
    resume,
)
from kg.records import ArticleFacts, Filed, SharedReader, read_facts_files
from kg.sticky_pool import StickyPool

# (done, total, "parsing ARTICLE" | "extracting ARTICLE"), once per article and pass
Progress = Callable[[int, int, str], None]

# articles handed to a process of a pool at a time: at most ``_CHUNK``, parsed
# in one batch where their text allows (``_BATCH_CHARS``): the model's layers
# have fixed costs a batch, and with numpy's BLAS 300 synthetic articles took
# a fifth less of the model's time in batches of 32 than of 8 (a --jobs 2
# build of 1,000 a sixteenth less time; 64 gained no more), at the cost of
# memory (each process parses more at once: that build's peak went from 313
# to 467 MB). Fewer as a round of a pool nears its end (a share of what is
# left, down to ``_LAST_CHUNK``, or fewer in a small round), so that no
# process waits long for another's last chunk
_CHUNK = 32
_LAST_CHUNK = 4
# and to one process alone, which need not share. A batch holds about 65 MB
# more for 32 articles than for 8 (the arrays grow with its tokens), so a
# batch is also kept to ``_BATCH_CHARS``: 32 articles of about 750
# characters, 14 real ones
_ALONE_CHUNK = 32
_BATCH_CHARS = 24_000
# articles a pool of workers handles before fresh ones, forked again, take
# over: a worker's memory grows as it touches, and so copies, more and more of
# the pages it shares with this process (the model's objects); fresh workers
# share them again, so memory stays that of the first articles at any corpus size
_ROUND = 1000


# how a Doc is filed (``doc_bytes``): part of its key, so a folder kept from
# an older format is parsed again rather than misread
_DOC_FORMAT = "dict-pickle"


def doc_keys(nlp: Language, digests: Iterable[str], fingerprint: str) -> list[str]:
    """The names parsed Docs are filed under: their text (by its digest,
    ``Article.digest``), the model, how it multiplies (``kg.matmul.kind``),
    kg's rules and the filing format (``nlp.meta`` is slow to build, so it is
    read once for all texts)."""
    meta = nlp.meta
    salt = (f"{meta.get('lang')}_{meta.get('name')}-{meta.get('version')}-{matmul_kind(nlp)}"
            f"-{fingerprint}-{_DOC_FORMAT}")
    return [hashlib.sha256((salt + digest).encode()).hexdigest() for digest in digests]


def _article_stem(doc_key: str, article_id: str, code: str) -> str:
    """The name an article's first-pass result and facts are filed under: its
    Doc's key (two files with the same text share one Doc) and its name (their
    facts differ: each names its own article), with the extraction code's."""
    named = hashlib.sha256(f"{doc_key}\0{article_id}".encode()).hexdigest()
    return f"{named}-{code}"


# the names of what a folder keeps, spelt once for the jobs, the build and
# ``prune`` (which removes every other file: a name spelt two ways would have it
# remove what a build just filed): an article's Doc, by its key; its first-pass
# result ("first") and facts ("facts"), by its stem; and the corpus's titles,
# by article and in all, by the extraction code
def _doc_name(key: str) -> str:
    return f"{key}.doc.pickle"


def _kept_name(stem: str, kind: str) -> str:
    return f"{stem}.{kind}.pickle"


# a build's own scratch: the log of its articles' facts (``kg.facts_log``)
_FACTS_LOG = "facts.log"


def _titles_name(code: str) -> str:
    return f"titles-{code}.json"


def _known_titles_name(code: str) -> str:
    return f"known-titles-{code}.json"


@dataclass(frozen=True)
class Job:
    """One article's work, and what it leaves in ``folder`` (as files in a
    store's; in a build's own scratch, as records of logs, see ``scratch``):
    its Doc (``key``, from ``doc_keys``), and beside it (``stem``,
    ``_article_stem``) the first pass's result (titles, people, work hits)
    and the article's facts (kept between builds in a store's folder: the
    main process reads them once extraction is over, so it does not hold
    every article's facts while the workers still run). The paths are made
    when used: a store add lists every stored article, and making their
    30,000 paths took longer than the rest."""

    index: int
    article: Article
    folder: Path
    key: str
    stem: str
    # the folder is this build's own scratch, gone with it (not a store's,
    # kept between builds): its files are written in place, not through a
    # temporary file renamed into place (``write_atomic``), which cost 0.2 ms
    # more a file. Nothing reads one before the pass that writes it is over,
    # and a build that fails leaves no scratch. Nor are most of them files at
    # all: the first pass logs its Doc and state (``first_at``), and the
    # second hands its facts back to be logged, as creating a file cost more
    # than writing it (``kg.facts_log``)
    scratch: bool = False
    # in a build's scratch, where the first pass logged the article's Doc and
    # state (``Logged``; a place in ``folder``); None where it filed them, or
    # held them (``_Held``)
    first_at: str | None = None

    def write(self, path: Path, data: bytes) -> None:
        """Write one of its files (see ``scratch``)."""
        if self.scratch:
            path.write_bytes(data)
        else:
            write_atomic(path, data)

    @property
    def doc_path(self) -> Path:
        return self.folder / _doc_name(self.key)

    @property
    def first_path(self) -> Path:
        return self.folder / _kept_name(self.stem, "first")

    @property
    def facts_path(self) -> Path:
        return self.folder / _kept_name(self.stem, "facts")

    def has(self, kind: str, present: Container[str]) -> bool:
        """Whether the ``first`` or ``facts`` file is among the names
        ``present`` in the folder (listed once: asking the file system about
        each of a store's files took 0.15 s of every add at 10,000 articles)."""
        return _kept_name(self.stem, kind) in present


@dataclass(frozen=True)
class _Settings:
    """What every process needs to do its part (sent once per process)."""

    model: str | None
    known_path: Path | None = None
    # the second pass runs in this same process: the first may hold articles
    # for it in memory (``_held``)
    hold: bool = False


_settings: _Settings | None = None
# the corpus's titles, indexed once per titles file: by the process that forks
# the workers, before it forks them, so that every round's workers share one
# index instead of each making its own (a tenth of a second per worker and
# round at 30,000 titles); workers kept from the first pass (``LocalRunner``,
# a corpus of one round: fewer titles) each make their own
_known: tuple[Path, KnownWorks] | None = None


class _Held:
    """What a process's first pass keeps in memory for its second (a build's
    own process, or a worker kept for both passes, ``LocalRunner``),
    by article stem: the article's context (its Doc, without the model's
    tensor, and the views made of it) and its work hits. The second pass then
    neither reads the Doc and the first pass's state back nor makes those
    views again: a millisecond of the five to six an article costs on top of
    its parse. At most ``most_tokens`` tokens are held (about 530 bytes each,
    the Doc and the views together, as measured on synthetic articles; the
    process may hold more, where memory the parse freed lies between held
    objects), whatever the corpus's size, so memory stays flat; the articles
    past that are filed (in a build's scratch, logged) and read back, as
    workers forked afresh for the second pass always do. A held
    Doc is also found by its key (``docs``), for another article of the same
    text: its Doc was not filed to be found there.
    One per process: a second build running meanwhile in the same process
    (in another thread) would find nothing held, and parse again."""

    def __init__(self, most_tokens: int) -> None:
        self.most_tokens, self.tokens = most_tokens, 0
        self.by_stem: dict[str, tuple[ArticleContext, list[WorkHit]]] = {}
        self.docs: dict[str, Doc] = {}

    def has_room(self, doc: Doc) -> bool:
        return self.tokens + len(doc) <= self.most_tokens

    def keep(self, key: str, stem: str, ctx: ArticleContext, hits: list[WorkHit]) -> None:
        """Hold an article (not held yet: ``_first`` files an article listed twice)."""
        self.by_stem[stem] = (ctx, hits)
        self.docs.setdefault(key, ctx.doc)
        self.tokens += len(ctx.doc)

    def take(self, stem: str) -> tuple[ArticleContext, list[WorkHit]] | None:
        found = self.by_stem.pop(stem, None)
        if found is not None:
            self.tokens -= len(found[0].doc)
        return found

    def clear(self) -> None:
        self.by_stem.clear()
        self.docs.clear()
        self.tokens = 0


# about 64 MB of articles (120,000 tokens: 800 synthetic articles of the
# benchmark's, 150 to 300 real ones), in one process or shared among the
# workers it forks (``LocalRunner``)
_held = _Held(most_tokens=120_000)


def _init(settings: _Settings) -> None:
    global _settings
    _settings = settings


def _nlp() -> Language:
    assert _settings is not None
    return load_pipeline(_settings.model)


def _known_works() -> KnownWorks:
    global _known
    assert _settings is not None and _settings.known_path is not None
    if _known is None or _known[0] != _settings.known_path:
        pairs = json.loads(_settings.known_path.read_text(encoding="utf-8"))
        _known = (_settings.known_path, KnownWorks(dict(pairs)).prepared())
    return _known[1]


def _forget_known() -> None:
    global _known
    _known = None


def doc_bytes(doc: Doc) -> bytes:
    """A parsed Doc as filed between the passes (no tensor, no user data: the
    second pass reads a Doc back from these bytes, wherever it runs, unless
    its own process held the article, ``_Held``).

    ``Doc.to_dict`` pickled, not ``Doc.to_bytes``: the same fields, but
    msgpack through srsly looks up its encoders among the installed packages'
    entry points on every call, which took half the time of filing a Doc."""
    exclude = ["tensor", "user_data", *([] if doc.spans else ["spans"])]
    return pickle.dumps(doc.to_dict(exclude=exclude), protocol=pickle.HIGHEST_PROTOCOL)


def doc_from_bytes(nlp: Language, data: bytes) -> Doc:
    return Doc(nlp.vocab).from_dict(pickle.loads(data))


def marked(article: Article, doc: Doc) -> tuple[ArticleContext, list[WorkHit]]:
    """The first pass over one parsed article: the context that knows its
    people, and its work hits (what ``_Held`` keeps)."""
    return first_pass(ArticleContext(article=article, doc=doc, gaz=load_gazetteer()))


def mark_titles(article: Article, doc: Doc) -> tuple[list[str], FirstPassState]:
    """The first pass over one parsed article: the titles it marks, and what
    the second pass needs from it."""
    ctx, hits = marked(article, doc)
    return [hit.title for hit in hits], first_pass_state(ctx, hits)


def extract_facts(article: Article, doc: Doc, state: FirstPassState | None,
                  known: KnownWorks) -> ArticleFacts:
    """The second pass over one article, resuming from the first pass's state
    (or running the first pass again when it was not kept)."""
    ctx = ArticleContext(article=article, doc=doc, gaz=load_gazetteer())
    ctx, hits = resume(ctx, state) if state is not None else first_pass(ctx)
    return extract_article(ctx, hits, known)


def failure(article: Article, exc: Exception) -> ArticleError:
    return ArticleError(article.path, f"extraction failed ({type(exc).__name__}: {exc}); "
                                      "the article was left out, please report this")


def _save_doc(job: Job, doc: Doc) -> None:
    job.write(job.doc_path, doc_bytes(doc))


def _load_doc(job: Job) -> Doc:
    """The article's Doc from the folder (parsed again if it went missing or
    cannot be read)."""
    if job.doc_path.exists():
        with contextlib.suppress(Exception):  # a damaged file: parse again below
            return doc_from_bytes(_nlp(), job.doc_path.read_bytes())
    doc = next(parse(_nlp(), [nlp_text(job.article.body)]))
    _save_doc(job, doc)
    return doc


def job_with_text(job: Job) -> Job | ArticleError:
    """The job with its article's text in memory (read where it is called: in
    the worker, or for a cluster, by the client as it sends a batch; see
    ``ListedArticle``), or why the text cannot be read."""
    try:
        article = job.article.with_text()
    except ArticleError as exc:
        return exc.detached()
    return job if article is job.article else dataclasses.replace(job, article=article)


class Logged(NamedTuple):
    """The titles an article marks, and where the first pass logged its Doc
    and state in a build's scratch (``Job.first_at``)."""

    titles: list[str]
    place: str


def _first(jobs: Sequence[Job]) -> list[tuple[int, list[str] | Logged | ArticleError]]:
    """Parse the articles not yet in the folder, file their Docs and first
    passes (or hold them, ``_Held``; or, in a build's scratch, log them in
    this process's log there, ``Logged``), and return the titles each one
    marks (or why it failed)."""
    if not jobs:
        return []
    nlp = _nlp()
    ready = [(job.index, job_with_text(job)) for job in jobs]
    missing: dict[str, Job] = {}  # by Doc key: the articles of one text share one Doc
    for _, j in ready:
        if isinstance(j, Job) and j.key not in missing and j.key not in _held.docs \
                and (j.scratch or not j.doc_path.exists()):  # scratch files no Doc
            missing[j.key] = j
    parsed = dict(zip(missing, _parsed(nlp, [nlp_text(j.article.body)
                                             for j in missing.values()]), strict=True))
    out: list[tuple[int, list[str] | Logged | ArticleError]] = []
    assert _settings is not None
    # one log a process (a pool's workers append beside each other), made by
    # its first chunk and appended to by the rest; closed with the chunk, so
    # every record is written before the titles go back
    with FactsLog(jobs[0].folder / f"first-{os.getpid()}.log", relative=True) as log:
        for index, job in ready:
            out.append((index, job) if isinstance(job, ArticleError) else _mark(job, parsed, log))
    return out


def _mark(job: Job, parsed: dict[str, Doc], log: FactsLog
          ) -> tuple[int, list[str] | Logged | ArticleError]:
    """``_first`` for one article whose text was read."""
    assert _settings is not None
    doc = parsed.get(job.key)
    doc = _held.docs.get(job.key) if doc is None else doc
    hold = (_settings.hold and doc is not None and _held.has_room(doc)
            and job.stem not in _held.by_stem)  # an article listed twice: filed
    # a held article's files are written only where they are kept for
    # later builds: in a build's own scratch nothing would read them; the
    # others are logged there (``Logged``), not filed
    file = not job.scratch
    if doc is None:
        doc = _load_doc(job)
    elif file and not job.doc_path.exists():
        _save_doc(job, doc)
    try:
        ctx, hits = marked(job.article, doc)
        titles = [hit.title for hit in hits]
        if file:
            save_first_pass(job, titles, first_pass_state(ctx, hits))
        if hold:
            _held.keep(job.key, job.stem, ctx, hits)
        elif not file:  # with its Doc's key, checked when read back
            return job.index, Logged(titles, log.append(pickle.dumps(
                (job.key, doc_bytes(doc), first_pass_state(ctx, hits)),
                protocol=pickle.HIGHEST_PROTOCOL)))
        return job.index, titles
    except Exception as exc:  # noqa: BLE001 - one odd article must not cost the batch
        return job.index, failure(job.article, exc)


def _parsed(nlp: Language, texts: list[str]) -> Iterator[Doc]:
    """``parse`` over the texts, in batches of up to ``_BATCH_CHARS``
    characters (one text at least), each Doc without the model's tensor:
    nothing reads it, it is not filed, and each Doc's is a view of its whole
    batch's array (384 bytes a token), which a chunk's Docs would keep."""
    batch: list[str] = []
    chars = 0
    for text in texts:
        if batch and chars + len(text) > _BATCH_CHARS:
            yield from map(_without_tensor, parse(nlp, batch))
            batch, chars = [], 0
        batch.append(text)
        chars += len(text)
    if batch:
        yield from map(_without_tensor, parse(nlp, batch))


def _without_tensor(doc: Doc) -> Doc:
    doc.tensor = numpy.zeros((0,), dtype="float32")
    return doc


def save_first_pass(job: Job, titles: list[str], state: FirstPassState) -> None:
    job.write(job.first_path, pickle.dumps((titles, state), protocol=pickle.HIGHEST_PROTOCOL))


def save_facts(job: Job, facts: ArticleFacts) -> None:
    job.write(job.facts_path, pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL))


def _second(jobs: Sequence[Job]) -> list[tuple[int, ArticleError | bytes | None]]:
    """Read each article's Doc back (or take it as held, ``_Held``), extract
    its facts and file them (None), or say why it failed. In a build's own
    scratch the facts are handed back pickled instead, for the process that
    runs the passes to log (``kg.facts_log``)."""
    known = _known_works()
    out: list[tuple[int, ArticleError | bytes | None]] = []
    for listed in jobs:
        held = _held.take(listed.stem)
        job = listed if held is not None else job_with_text(listed)
        if isinstance(job, ArticleError):
            out.append((listed.index, job))
            continue
        try:
            if held is not None:  # its text was read, and its Doc made, by the first pass
                facts = extract_article(*held, known)
            elif (logged := _logged_first(job)) is not None:
                facts = extract_facts(job.article, *logged, known)
            else:
                kept = _read_kept(job.first_path, pickle.loads)
                facts = extract_facts(job.article, _load_doc(job),
                                      kept[1] if isinstance(kept, tuple) else None, known)
        except Exception as exc:  # noqa: BLE001
            out.append((job.index, failure(job.article, exc)))
            continue
        if job.scratch:
            out.append((job.index, pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)))
        else:
            save_facts(job, facts)
            out.append((job.index, None))
    return out


def _logged_first(job: Job) -> tuple[Doc, FirstPassState] | None:
    """The Doc and first-pass state the first pass logged for the job
    (``Logged``); None if it logged none, or its record cannot be read or is
    another's (then the article is parsed again: a damaged record is never
    trusted)."""
    if job.first_at is None:
        return None
    try:
        key, doc_data, state = pickle.loads(read_place(job.first_at, job.folder))
        return (doc_from_bytes(_nlp(), doc_data), state) if key == job.key else None
    except Exception:  # noqa: BLE001 - any damage at all
        return None


class _Reports:
    """Passes a step's results on, telling ``progress`` of each article as
    "PHASE ARTICLE", counted over ``jobs``."""

    def __init__(self, jobs: list[Job], progress: Progress | None, phase: str) -> None:
        self._names = {j.index: j.article.id for j in jobs}
        self._progress, self._phase, self._done = progress, phase, 0

    def __call__(self, results: list[tuple[int, object]]) -> Iterator[tuple[int, object]]:
        for index, result in results:
            self._done += 1
            if self._progress:
                self._progress(self._done, len(self._names),
                               f"{self._phase} {self._names[index]}")
            yield index, result


def _chunks(jobs: list[Job]) -> list[list[Job]]:
    """``_ALONE_CHUNK`` articles each, for one process (a pool's: ``_rounds``)."""
    return [jobs[i : i + _ALONE_CHUNK] for i in range(0, len(jobs), _ALONE_CHUNK)]


def _rounds(jobs: list[Job], processes: int) -> list[list[list[Job]]]:
    """The jobs in rounds of ``_ROUND`` (fresh workers for each, ``_run``),
    each in chunks of its own: half of each process's share of what is left
    of the round, at most ``_CHUNK`` and at least ``_LAST_CHUNK`` (less in a
    round too small to give every process two chunks so, and the round's
    last chunk what is left), so the chunks shrink as the round ends (see
    ``_CHUNK``)."""
    rounds = []
    for start in range(0, len(jobs), _ROUND):
        end = min(start + _ROUND, len(jobs))
        least = max(1, min(_LAST_CHUNK, math.ceil((end - start) / (processes * 2))))
        chunks = []
        while start < end:
            size = min(_CHUNK, end - start, max(least, (end - start) // (processes * 2)))
            chunks.append(jobs[start : start + size])
            start += size
        rounds.append(chunks)
    return rounds


def _run(step, jobs: list[Job], settings: _Settings, processes: int,
         progress: Progress | None, phase: str) -> Iterator[tuple[int, object]]:
    """``step`` over the jobs in chunks, in order; in this process when
    ``processes`` is 1, else in a pool (forked where the platform allows, so
    the loaded model is shared rather than loaded again), its chunks sent as
    listed (``_take_listed``)."""
    report = _Reports(jobs, progress, phase)
    if processes <= 1 or len(jobs) <= 1:
        _init(settings)
        for chunk in _chunks(jobs):
            yield from report(step(chunk))
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    if settings.known_path is not None and method == "fork":
        _init(settings)
        _known_works()  # made once here, shared by the forked workers
    for chunks in _rounds(jobs, processes):
        with frozen_objects(), ProcessPoolExecutor(
                min(processes, len(chunks)), mp_context=multiprocessing.get_context(method),
                initializer=_init, initargs=(settings,)) as pool:
            sent = [dumps_listed(chunk) for chunk in chunks]
            for results in pool.map(_take_listed, [step] * len(sent), sent):
                yield from report(results)


def _take_listed(step, chunk: bytes) -> list:
    """``step`` over a chunk sent as listed (``dumps_listed``): a forked worker
    sees the same files, and reads each article's text itself."""
    return step(pickle.loads(chunk))


def _init_holding(settings: _Settings, most_tokens: int) -> None:
    """A worker's ``_init`` for a first pass whose second runs in the same
    worker (``LocalRunner``): it holds up to ``most_tokens`` for it."""
    _init(settings)
    _held.most_tokens = most_tokens


class LocalRunner:
    """Runs the two passes in this process (``processes`` 1) or in local
    processes; each step files its results in the jobs' folder, or logs
    them there (a build's scratch, ``Logged``; the second pass's facts are
    logged by ``file_facts``). The first pass holds some articles in memory
    instead, ``_Held``, for the second to take in the same process: in this
    one, or, where the jobs are one round of workers (``_ROUND``), in the
    worker that parsed them, which stays for the second pass (a
    ``StickyPool``: the second pass of each article runs there). Larger
    corpora take fresh workers for every round of each pass, and hold
    nothing; so does a store's second pass that takes up kept articles no
    worker parsed now. ``close`` lets what is held go."""

    def __init__(self, model: str | None, processes: int) -> None:
        self.model, self.processes = model, processes
        self._pool: StickyPool | None = None
        self._owners: dict[int, int] = {}  # by job index: the worker holding its first pass

    def first(self, jobs: list[Job], progress: Progress | None
              ) -> Iterator[tuple[int, list[str] | Logged | ArticleError]]:
        self.close()  # what an earlier use of this runner left
        if self.processes > 1 and 1 < len(jobs) <= _ROUND and \
                "fork" in multiprocessing.get_all_start_methods():
            return self._first_in_pool(jobs, progress)
        return _run(_first, jobs, _Settings(self.model, hold=self.processes <= 1),
                    self.processes, progress, "parsing")

    def _first_in_pool(self, jobs: list[Job], progress: Progress | None
                       ) -> Iterator[tuple[int, list[str] | Logged | ArticleError]]:
        """The first pass in workers kept for the second (``StickyPool``),
        each holding its share of what this process may hold (``_held``):
        together they hold what it would alone."""
        chunks = _rounds(jobs, self.processes)[0]
        workers = min(self.processes, len(chunks))
        self._pool = StickyPool(workers, _init_holding, (_Settings(self.model, hold=True),
                                                         _held.most_tokens // workers))
        report = _Reports(jobs, progress, "parsing")
        results = self._pool.map(functools.partial(_take_listed, _first),
                                 [dumps_listed(chunk) for chunk in chunks])
        for chunk, (worker, done) in zip(chunks, results, strict=True):
            for job in chunk:
                self._owners[job.index] = worker
            yield from report(done)

    def second(self, jobs: list[Job], known_path: Path, progress: Progress | None
               ) -> Iterator[tuple[int, ArticleError | bytes | None]]:
        if self._pool is not None:
            if all(j.index in self._owners for j in jobs):
                return self._second_in_pool(jobs, known_path, progress)
            # a store's second pass may take up articles its first did not
            # (kept ones a title that came or went is in): as many as the
            # store has, for fresh workers in rounds, which read what the
            # kept ones filed (a store files what its workers hold)
            self.close()
        return _run(_second, jobs, _Settings(self.model, known_path), self.processes,
                    progress, "extracting")

    def _second_in_pool(self, jobs: list[Job], known_path: Path, progress: Progress | None
                        ) -> Iterator[tuple[int, ArticleError | bytes | None]]:
        """The second pass of each job in the worker that ran its first, in
        chunks of consecutive jobs of one worker's (so the results, failures
        among them, come in the jobs' order); then the workers go."""
        pool = self._pool
        assert pool is not None
        try:
            pool.run_everywhere(_init, _Settings(self.model, known_path))
            tasks: list[tuple[int, list[Job]]] = []
            for job in jobs:
                owner = self._owners[job.index]
                if tasks and tasks[-1][0] == owner and len(tasks[-1][1]) < _CHUNK:
                    tasks[-1][1].append(job)
                else:
                    tasks.append((owner, [job]))
            report = _Reports(jobs, progress, "extracting")
            results = pool.map(functools.partial(_take_listed, _second),
                               [dumps_listed(chunk) for _, chunk in tasks],
                               owners=[owner for owner, _ in tasks])
            for _, results_of_chunk in results:
                yield from report(results_of_chunk)
        finally:
            self.close()

    def close(self) -> None:
        """Let what is held go, and end the kept workers (any still at a task,
        after an error or an interrupt, at once: ``StickyPool.close``)."""
        _held.clear()
        self._owners.clear()
        if self._pool is not None:
            self._pool.close()
            self._pool = None


class Runner(Protocol):
    """Where the passes run: ``LocalRunner``, or ``kg.cluster.DaskRunner`` on a
    Dask cluster. Either way ``first`` files (or holds) each job's first-pass
    result and yields its titles, and ``second`` files each job's facts, so
    what follows is the same for both. In a build's own scratch, ``first``
    may log the result instead and say where (``Logged``), and ``second``
    hand the facts back pickled, to be logged here (``kg.facts_log``)."""

    def first(self, jobs: list[Job], progress: Progress | None
              ) -> Iterator[tuple[int, list[str] | Logged | ArticleError]]: ...

    def second(self, jobs: list[Job], known_path: Path, progress: Progress | None
               ) -> Iterator[tuple[int, ArticleError | bytes | None]]: ...

    def close(self) -> None: ...


def extract_corpus(articles: Sequence[Article], model: str | None = None,
                   progress: Progress | None = None,
                   errors: list[ArticleError] | None = None,
                   jobs: int = 1, doc_dir: Path | None = None,
                   release_model: bool = False, runner: Runner | None = None,
                   kept: dict[str, str] | None = None) -> list[ArticleFacts]:
    """Facts of every article, in article order (see the module docstring).

    ``doc_dir`` keeps what a later build can reuse (a store's cache): each
    article's Doc, the titles it marks and its facts. An article is parsed
    only if its Doc is not there, and extracted again only if its facts are
    not there or a title it mentions was added to (or dropped from) the
    corpus since. Without ``doc_dir`` everything lives in a temporary folder
    for the length of the build. An article whose extraction fails is left
    out and reported in ``errors``. ``release_model`` frees the model (see
    ``release_models``) before the facts are read back, so their memory can
    take its place. ``runner`` runs the passes elsewhere (a
    ``kg.cluster.DaskRunner``) instead of in ``jobs`` local processes; the
    facts are the same. It is closed at the end.

    With ``kept`` (a store's incremental update), facts kept from an earlier
    build are not read back: only the articles extracted now are returned, and
    ``kept`` is given every article's facts file (its path), by article id."""
    failures = errors if errors is not None else []
    if not articles:
        return []
    with tempfile.TemporaryDirectory(prefix="kg-docs-") as scratch:
        filed = file_facts(articles, model, progress, failures, jobs, doc_dir, Path(scratch),
                           release_model, runner, kept)
        facts = read_facts(filed, articles, model, failures)
    return [facts[i] for i in sorted(facts)]


def file_facts(articles: Sequence[Article], model: str | None, progress: Progress | None,
               failures: list[ArticleError], jobs: int, doc_dir: Path | None, scratch: Path,
               release_model: bool = False, runner: Runner | None = None,
               kept: dict[str, str] | None = None, prune_rest: bool = False,
               filed_now: Callable[[Filed], object] | None = None) -> Filed:
    """The two passes of ``extract_corpus``, up to the facts filed (in
    ``doc_dir``, else in ``scratch``, which must outlive the reading).
    ``prune_rest``: then remove from ``doc_dir`` what no longer serves, as
    ``prune`` does, with the names and the listing the passes made.
    ``filed_now`` is told the result as soon as the facts are filed, before
    what ``doc_dir`` keeps for the next build (the titles found, the corpus's
    titles, the pruning) is written: an extraction process's parent links
    the facts meanwhile (a third of a second of an add into a store of
    10,000 articles). ``scratch`` may be gone by then."""
    nlp = load_pipeline(model)  # loaded here once, so forked processes share it
    fingerprint, code = rules_fingerprint(), extraction_fingerprint()
    runner = runner or LocalRunner(model, jobs)
    with contextlib.closing(runner):
        keep = doc_dir is not None
        folder = Path(doc_dir) if keep else scratch
        folder.mkdir(parents=True, exist_ok=True)
        # what is made here for every article, a store's kept ones included,
        # is made with the collector paused (``collection_paused``; nothing is
        # forked meanwhile): at 100,000 articles its full scans of those
        # objects took more than making them
        with collection_paused():
            jobs_list = []
            keys = doc_keys(nlp, (a.digest for a in articles), fingerprint)
            for i, (a, key) in enumerate(zip(articles, keys, strict=True)):
                jobs_list.append(Job(i, a, folder, key, _article_stem(key, a.id, code), not keep))
            index_file = folder / _titles_name(code) if keep else None
            kept_index = _read_kept(index_file, json.loads)
            wanted = _Wanted(code, (j.key for j in jobs_list),
                             (j.stem for j in jobs_list)) if keep and prune_rest else None
            present, unwanted = _kept_here(folder, code, wanted)
            del wanted
        titles = _titles(jobs_list, runner, progress, failures,
                         kept_index if isinstance(kept_index, dict) else {}, present)
        known_file = folder / _known_titles_name(code)
        with collection_paused():
            kept_known = _read_kept(known_file if keep else None, json.loads)
            before = dict(kept_known) if isinstance(kept_known, list) else None
            with opened(folder / index_name(code) if keep else None) as search:
                known, extracted, reuse = _settle(jobs_list, titles, before, failures, present,
                                                  search)
        known_path = scratch / "known-titles.json"
        known_json = json.dumps(list(known.items())).encode("utf-8")
        known_path.write_bytes(known_json)
        todo = [j for j in extracted if j.index not in reuse]
        failed: set[int] = set()
        # where the facts handed back went, by index (-1: not logged): numbers,
        # held while the workers run (as strings, 19 MB at 100,000 articles)
        offsets, lengths = array("q", [-1]) * len(jobs_list), array("q", [0]) * len(jobs_list)
        log = FactsLog(folder / _FACTS_LOG)
        try:
            with log:
                for index, result in runner.second(todo, known_path, progress):
                    if isinstance(result, bytes):
                        offsets[index], lengths[index] = log.write(result), len(result)
                    elif result is not None:
                        failures.append(result)
                        failed.add(index)
                        _note_if_unreadable(jobs_list[index].article)
        finally:
            _forget_known()
        if release_model:
            del nlp
            release_models()
        # the facts' places (``kg.facts_log``) as strings, one each for
        # ``kept`` and ``Filed``: 10,000 ``Path`` objects took a fifth of a
        # second of every add to a store to make, send and read back, and
        # 100,000 held 55 MB here
        here = os.fspath(folder)
        with collection_paused():
            done = [(j, log.place(offsets[j.index], lengths[j.index]) if offsets[j.index] >= 0
                     else os.path.join(here, _kept_name(j.stem, "facts")))
                    for j in extracted if j.index not in failed]
            del offsets, lengths
            if kept is not None:
                kept.update((j.article.id, path) for j, path in done)
            filed = Filed([(j.index, j.folder, j.key, j.stem, path) for j, path in done
                           if kept is None or j.index not in reuse], known_path)
            del done
        if filed_now is not None:
            filed_now(filed)
        if keep:
            write_atomic(known_file, known_json)
            write_atomic(index_file, json.dumps(
                {job.key: titles[job.index] for job in jobs_list
                 if job.index in titles}, sort_keys=True).encode("utf-8"))
            if prune_rest:
                _remove_rest(folder, code, (j.key for j in jobs_list),
                             (j.stem for j in jobs_list), (j.article.digest for j in jobs_list),
                             unwanted)
    return filed


def read_facts(filed: Filed, articles: Sequence[Article], model: str | None,
               failures: list[ArticleError]) -> dict[int, ArticleFacts]:
    """The filed facts, by article index; those that cannot be read (a kept
    file damaged since, a record of a build's log cut short) are extracted
    again here."""
    facts, damaged = read_facts_files([(index, path) for index, *_, path in filed.jobs])
    if damaged:
        # each filed in a file of its own (``scratch`` False: not handed back
        # to be logged), which a store keeps in place of its damaged one
        again = [Job(index, articles[index], folder, key, stem, scratch=False)
                 for index, folder, key, stem, _ in filed.jobs if index in damaged]
        reader = SharedReader()
        facts_paths = {job.index: job.facts_path for job in again}
        try:
            for index, result in _run(_second, again, _Settings(model, filed.known_path), 1,
                                      None, "extracting"):
                if result is not None:
                    failures.append(result)
                    continue
                found = _read_kept(facts_paths[index], reader.loads)
                if isinstance(found, ArticleFacts):
                    facts[index] = found
        finally:
            _forget_known()
    return facts


def _settle(jobs_list: list[Job], titles: dict[int, list[str]],
            before: dict[str, str] | None, failures: list[ArticleError],
            present: Container[str], search: LettersIndex | None = None
            ) -> tuple[dict[str, str], list[Job], set[int]]:
    """The corpus's titles, the jobs to extract, and those among them whose
    kept facts still hold (none changed, or no title that came or went since
    ``before`` may be in the article). A kept article's text is read only where
    it is needed: to extract it again, or, if a title came or went, to learn
    whether it may mention it where ``search`` (the folder's index of letters)
    does not know (a store reads its articles' texts only when asked,
    ``kg.storearticles``). An article whose text turns out unreadable is
    reported and left out, its titles with it, which may change the titles
    again, so this repeats until no title goes with an article."""
    dropped: set[int] = set()
    read: dict[str, str] = {}  # the letters of the kept texts read, by digest
    while True:
        known: dict[str, str] = {}
        for index in sorted(titles):  # the first spelling in article order wins
            if index not in dropped:
                for title in titles[index]:
                    known.setdefault(fold(title), title)
        changed_titles = _changed_titles(before, known)
        extracted = [job for job in jobs_list if job.index in titles
                     and job.index not in dropped]
        kept = {job.index for job in extracted
                if before is not None and job.has("facts", present)}
        changed = KnownWorks(changed_titles)
        touched = _touched(changed, [j for j in extracted if j.index in kept], search, read)
        needed = [j for j in extracted if j.index not in kept or j.index in touched]
        unreadable = {j.index for j in needed} - {j.index for j in _readable(needed, failures)}
        dropped |= unreadable
        if not any(titles[index] for index in unreadable):
            break
    extracted = [job for job in extracted if job.index not in dropped]
    reuse = {job.index for job in extracted if job.index in kept and job.index not in touched}
    if search is not None:
        _index_letters(search, [j for j in needed if j.index not in dropped], read)
    return known, extracted, reuse


def _touched(titles: KnownWorks, jobs: list[Job], search: LettersIndex | None,
             read: dict[str, str]) -> set[int]:
    """The jobs whose article may mention one of ``titles`` (see
    ``KnownWorks.mentioned_in``): those the folder's index of letters names,
    and of those it does not know, the ones whose text does (read now, not
    kept: ``with_text``; its letters go in ``read``, by digest, for the
    index). An article whose text can no longer be read (a file changed since
    it was listed) is touched: it is then extracted again, which reports it
    and leaves it out."""
    if not titles.by_fold or not jobs:
        return set()
    indexed: set[str] = set()
    found: set[str] = set()
    if search is not None:
        try:
            hits = search.containing(titles.touching)
            if hits is not None:
                found, indexed = hits, search.known(j.article.digest for j in jobs)
        except sqlite3.DatabaseError:  # a damaged index: every text is read, as without one
            indexed = set()
    out = set()
    for job in jobs:
        digest = job.article.digest
        if digest in indexed:
            if digest in found:
                out.add(job.index)
            continue
        try:
            letters = read[digest] = letters_of(job.article.with_text().text)
        except ArticleError:
            out.add(job.index)
            continue
        if titles.mentioned_in_letters(letters):
            out.add(job.index)
    return out


def _index_letters(search: LettersIndex, jobs: list[Job], read: dict[str, str]) -> None:
    """Put in the index the letters of the texts this build read (``read``, by
    digest, and the texts of ``jobs``, read again now) that it does not hold
    yet. Only texts read anyway are indexed, so a damaged file is found where
    a build needs its text, and reported there; a text that cannot be read
    now is left out of the index, which then never vouches for it."""
    try:
        held = search.known([*read, *(j.article.digest for j in jobs)])
        search.add([(d, letters) for d, letters in read.items() if d not in held])
        held |= read.keys()
        search.add(_letters_of_texts(j.article for j in jobs if j.article.digest not in held))
    except sqlite3.DatabaseError:  # a damaged index only costs reading texts
        pass


def _letters_of_texts(articles: Iterable[Article]) -> Iterator[tuple[str, str]]:
    seen = set()
    for article in articles:
        if article.digest in seen:
            continue
        seen.add(article.digest)
        try:
            text = article.with_text().text
        except ArticleError:
            continue
        yield article.digest, letters_of(text)


def _titles(jobs_list: list[Job], runner: Runner, progress: Progress | None,
            failures: list[ArticleError], kept_index: dict[str, list[str]],
            present: Container[str]) -> dict[int, list[str]]:
    """The first pass: each article's titles, read back where kept (from the
    folder's index of titles, which is much faster to read than every
    article's first-pass file, for those whose file is among the names
    ``present``), else found."""
    titles: dict[int, list[str]] = {}
    todo = []
    for job in jobs_list:
        if job.has("first", present):
            listed = kept_index.get(job.key)
            if isinstance(listed, list):
                titles[job.index] = listed
                continue
            kept = _read_kept(job.first_path, pickle.loads)
            if isinstance(kept, tuple) and isinstance(kept[0], list):
                titles[job.index] = kept[0]
                continue
        todo.append(job)
    logged: list[tuple[int, str]] = []
    for index, result in runner.first(_readable(todo, failures), progress):
        if isinstance(result, ArticleError):
            failures.append(result)
            _note_if_unreadable(jobs_list[index].article)
        elif isinstance(result, Logged):  # the second pass reads it from there
            logged.append((index, result.place))
            titles[index] = result.titles
        else:
            titles[index] = result
    with collection_paused():  # a Job an article
        for index, place in logged:
            jobs_list[index] = dataclasses.replace(jobs_list[index], first_at=place)
    return titles


def _note_if_unreadable(article: Article) -> None:
    """A worker failed on ``article``: check its text again here, so that a
    file found damaged by the worker (which reads the text itself, after
    ``_readable`` checked it here) is noted on this process's article too (a
    store then drops its index row, ``kg.storearticles``); the worker's
    copy, and what it noted, went with the worker."""
    with contextlib.suppress(ArticleError):
        article.check_readable()


def _readable(jobs: list[Job], failures: list[ArticleError]) -> list[Job]:
    """The jobs whose article's text can still be read (``check_readable``: a
    store's article is read from its file now, and may turn out damaged; an
    article file listed by this build is read only if it changed since); the
    others are reported in ``failures`` and left out, as an article whose
    extraction fails is."""
    out = []
    for job in jobs:
        try:
            job.article.check_readable()
        except ArticleError as exc:
            failures.append(exc.detached())
        else:
            out.append(job)
    return out


def release_models() -> None:
    """Free the model and what was built on it, and give the memory back to
    the system: for a process that has no more articles to parse."""
    release_pipeline()
    forget_matchers()
    give_back()


def prune(folder: Path, articles: Sequence[Article], model: str | None = None) -> None:
    """Remove from a kept folder what no longer serves: the Docs, titles and
    facts of articles not in ``articles`` or made by other code or rules."""
    nlp, fingerprint, code = load_pipeline(model), rules_fingerprint(), extraction_fingerprint()
    keys = doc_keys(nlp, (a.digest for a in articles), fingerprint)
    stems = [_article_stem(k, a.id, code) for k, a in zip(keys, articles, strict=True)]
    _remove_rest(folder, code, keys, stems, [a.digest for a in articles])


# unwanted names a build's first listing of a kept folder notes for its prune
# at most (``_kept_here``); past that (the old code's files after an upgrade,
# half a million at 100,000 articles) the prune lists the folder again
_UNWANTED_NOTED = 10_000


class _Wanted:
    """The names in a kept folder that its articles' Docs (``keys``), first
    passes and facts (``stems``) and the current indexes need. A name's ending
    is matched and the rest looked up, rather than every wanted name spelt
    out: at 100,000 articles that was 300,000 new strings, 55 MB in the
    extraction process."""

    def __init__(self, code: str, keys: Iterable[str], stems: Iterable[str]) -> None:
        index = index_name(code)
        self.special = {_known_titles_name(code), _titles_name(code), index, f"{index}-journal"}
        stem_set = set(stems)
        self.by_ending = [(_doc_name(""), set(keys)), (_kept_name("", "first"), stem_set),
                          (_kept_name("", "facts"), stem_set)]

    def __contains__(self, name: str) -> bool:
        if name in self.special:
            return True
        for end, wanted in self.by_ending:  # the endings end differently: one matches
            if name.endswith(end):
                return name[:-len(end)] in wanted
        return False


def _kept_here(folder: Path, code: str, wanted: _Wanted | None = None
               ) -> tuple[frozenset[str], list[str] | None]:
    """The names of the first-pass results and facts ``folder`` keeps of this
    extraction code (what ``Job.has`` asks about), listed once; and, given
    what the build wants, the files it does not want, which its prune removes
    (``_remove_rest``) without listing the folder again (0.8 s at the end of
    every add into 100,000 articles), None if there are too many to note or
    nothing was wanted. Read as a stream and only these kept: after a new kg
    version, a store's folder of 100,000 articles still holds half a million
    names of the old code's files and Docs, about 80 MB as a set, until it is
    pruned."""
    mark = f"-{code}."
    present: list[str] = []
    unwanted: list[str] | None = [] if wanted is not None else None
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if mark in name:
                present.append(name)
            if unwanted is not None and name not in wanted and entry.is_file():
                unwanted.append(name)
                if len(unwanted) > _UNWANTED_NOTED:
                    unwanted = None
    return frozenset(present), unwanted


def _remove_rest(folder: Path, code: str, keys: Iterable[str], stems: Iterable[str],
                 digests: Iterable[str], unwanted: list[str] | None = None) -> None:
    """Remove the files in ``folder`` that no article's Docs (``keys``),
    first pass and facts (``stems``) and no current index need (``_Wanted``),
    and forget in the index of letters the texts not among ``digests``.
    Called once the build's files are all filed (they are all wanted), with
    the ``unwanted`` files the build's first listing found where it noted
    them (``_kept_here``: nothing else writes in the folder meanwhile, the
    store being locked, and what this build writes is wanted), else after
    listing the folder again."""
    if unwanted is None:
        wanted = _Wanted(code, keys, stems)
        with os.scandir(folder) as entries:  # names first: no stat for the files kept
            for entry in entries:
                if entry.name not in wanted and entry.is_file():
                    os.unlink(entry.path)
    else:
        for name in unwanted:
            (folder / name).unlink(missing_ok=True)
    index = index_name(code)
    if (folder / index).exists():
        with opened(folder / index) as search, contextlib.suppress(
                sqlite3.DatabaseError):
            if search is not None:
                search.keep_only(digests)


def _read_kept(path: Path | None, decode: Callable[[bytes], object]) -> object:
    """What a kept file holds, or None if there is none or it cannot be read
    (a damaged file is made again, never trusted)."""
    if path is None or not path.exists():
        return None
    try:
        return decode(path.read_bytes())
    except Exception:  # noqa: BLE001 - any damage means "not kept"
        return None


def _changed_titles(before: dict[str, str] | None, after: dict[str, str]) -> dict[str, str]:
    """Titles added, dropped or spelt differently since the last build (by
    folded key); an article mentioning one must be extracted again."""
    if before is None:
        return {}
    out = {}
    for key in sorted(before.keys() | after.keys()):
        if before.get(key) != after.get(key):
            for n, title in enumerate(t for t in (before.get(key), after.get(key)) if t):
                out[f"{key}\x00{n}"] = title
    return out


__all__ = ["doc_keys", "extract_corpus", "extraction_fingerprint", "prune", "release_models",
           "resolution_fingerprint", "rules_fingerprint"]
