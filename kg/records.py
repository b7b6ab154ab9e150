"""Small, NLP-free records that extraction yields and resolution consumes.

Extraction speaks in surface names (``Ref``): "Lindqvist", "best leading actor".
Resolution turns them into canonical entities. Nothing here knows about RDF.
"""

from __future__ import annotations

import datetime as dt
import io
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kg.facts_log import read_place

Kind = Literal[
    "person", "work", "organization", "outlet", "network", "award", "category", "ceremony",
    "place", "account",
]


class Record:
    """Base of the records: pickled as their class and field values, which
    loads several times faster than dataclasses' generic slot state (a store
    reads every article's kept facts on each build)."""

    __slots__ = ()

    def __reduce__(self) -> tuple:
        return self.__class__, tuple(getattr(self, name) for name in self.__slots__)


@dataclass(frozen=True, order=True, slots=True)
class Evidence(Record):
    """Where a fact comes from: a sentence of an article, by character offsets
    into the article file (so ``article.text[start:end] == sentence``)."""

    article: str
    start: int
    end: int
    sentence: str


@dataclass(frozen=True, order=True, slots=True)
class Ref(Record):
    """A name as the text gives it, plus what kind of thing it names."""

    kind: Kind
    name: str


@dataclass(frozen=True, order=True, slots=True)
class CeremonyRef(Record):
    """One ceremony of an award, identified by the award's canonical name and year."""

    award: str
    year: int


def ceremony_ref(ceremony: CeremonyRef) -> Ref:
    """A ceremony as a ``Ref`` (for mentions), readable back with ``ceremony_of``."""
    return Ref("ceremony", f"{ceremony.award}|{ceremony.year}")


def ceremony_of(ref: Ref) -> CeremonyRef:
    award, year = ref.name.rsplit("|", 1)
    return CeremonyRef(award, int(year))


@dataclass(frozen=True, order=True, slots=True)
class CategoryRef(Record):
    """A category mention: its text and the canonical categories it may denote.

    Paraphrases ("best leading actor") can fit several official categories;
    resolution narrows ``candidates`` using other facts about the same nominee.
    """

    award: str
    text: str
    candidates: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Mention(Record):
    """An entity named in an article (``start``/``end`` are file offsets)."""

    ref: Ref
    start: int
    end: int
    evidence: Evidence
    category: CategoryRef | None = None  # for category mentions: what it may denote


@dataclass(frozen=True, slots=True)
class NominationFact(Record):
    nominee: Ref
    category: CategoryRef | None
    work: Ref | None
    ceremony: CeremonyRef
    won: bool
    evidence: Evidence
    confidence: float = 1.0
    work_guess: Ref | None = None  # the work the passage is about, when none is named
    costar_of: Ref | None = None  # "his costar X": X was nominated for that person's work


@dataclass(frozen=True, slots=True)
class CharacterFact(Record):
    """A person plays a character; the work is left to resolution."""

    person: Ref
    character: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class CreditFact(Record):
    person: Ref
    work: Ref
    evidence: Evidence
    role: str = "actor"
    character: str | None = None
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class AirsFact(Record):
    work: Ref
    network: Ref
    evidence: Evidence
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class CitationFact(Record):
    outlet: Ref
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class CeremonyFact(Record):
    """What an article says about a ceremony; ``date_rank`` orders date guesses
    (explicit date 3 > weekday 2 > "last night" 1 > "tonight" 0)."""

    ceremony: CeremonyRef
    evidence: Evidence
    date: dt.date | None = None
    date_rank: int = -1
    host: Ref | None = None
    venue: Ref | None = None


@dataclass(frozen=True, slots=True)
class Tweet(Record):
    text: str
    author: str
    handle: str
    date: dt.date | None
    evidence: Evidence
    hashtags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    handles_mentioned: tuple[str, ...] = ()
    resolved_handles: tuple[str, ...] = ()  # handles already read as a person's name
    mentions: tuple[Ref, ...] = ()
    categories: tuple[CategoryRef, ...] = ()
    index: int = 0


@dataclass(frozen=True, slots=True)
class Quote(Record):
    text: str
    speaker: Ref | None
    evidence: Evidence
    index: int = 0
    confidence: float = 1.0


@dataclass(slots=True)
class ArticleFacts(Record):
    """Everything extracted from one article, before cross-article resolution."""

    article_id: str
    source: str
    date: dt.date
    mentions: list[Mention] = field(default_factory=list)
    tweets: list[Tweet] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    nominations: list[NominationFact] = field(default_factory=list)
    credits: list[CreditFact] = field(default_factory=list)
    airs: list[AirsFact] = field(default_factory=list)
    citations: list[CitationFact] = field(default_factory=list)
    ceremonies: list[CeremonyFact] = field(default_factory=list)
    characters: list[CharacterFact] = field(default_factory=list)
    aliases: dict[Ref, set[str]] = field(default_factory=dict)


class SharedReader:
    """Reads pickled records so that equal names, categories, ceremonies and
    evidence sentences are one object, across every article read with the same
    reader: a build keeps every article's nominations and credits for
    resolution (a store, its whole facts), and the same people, works and
    sentences recur (a third less memory for a large corpus). Only
    these immutable values are shared; facts stay one object each (resolution
    tells facts apart by identity), but their confidences share one float
    object per value (a pickle makes a float per fact: 24 bytes each, a tenth
    of what a kept nomination fact costs). Drop the reader once the facts are
    read."""

    _SHARED = frozenset({"Ref", "Evidence", "CategoryRef", "CeremonyRef"})
    _WITH_CONFIDENCE = frozenset({"NominationFact", "CreditFact"})

    def __init__(self) -> None:
        # what each class named in a pickle stands for, found once per reader
        # rather than once per article (finding it costs more than the rest)
        self._found: dict[tuple[str, str], object] = {}
        self._floats: dict[float, float] = {}

    def loads(self, data: bytes) -> object:
        return _SharingUnpickler(io.BytesIO(data), self).load()

    def _maker(self, cls: type) -> object:
        known: dict[tuple, Record] = {}  # by the arguments it was made with

        def make(*args: object) -> Record:
            found = known.get(args)
            if found is None:
                found = known[args] = cls(*args)
            return found
        return make

    def _fact_maker(self, cls: type) -> object:
        floats = self._floats

        def make(*args: object) -> Record:
            return cls(*[floats.setdefault(a, a) if a.__class__ is float else a
                         for a in args])
        return make


class _SharingUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, reader: SharedReader) -> None:
        super().__init__(file)
        self._reader = reader

    def find_class(self, module: str, name: str) -> object:
        found = self._reader._found.get((module, name))
        if found is None:
            found = super().find_class(module, name)
            if module == __name__ and name in SharedReader._SHARED:
                found = self._reader._maker(found)
            elif module == __name__ and name in SharedReader._WITH_CONFIDENCE:
                found = self._reader._fact_maker(found)
            self._reader._found[module, name] = found
        return found


@dataclass(frozen=True)
class Filed:
    """Where extraction filed the facts to read back: (article index, folder,
    Doc key, stem, the facts' place, ``kg.facts_log``; see ``kg.passes.Job``)
    in article order, and the corpus's titles (to extract an article again if
    its facts turn out damaged). Kept here, free of spaCy, so that a process
    that only reads facts can take it from the process that extracted them
    (``kg.extraction_process``)."""

    jobs: list[tuple[int, Path, str, str, str]]  # the facts' place (``kg.facts_log``)
    known_path: Path


def read_facts_files(files: Sequence[tuple[int, Path | str]]
                     ) -> tuple[dict[int, ArticleFacts], set[int]]:
    """Pickled ``ArticleFacts`` at their places (``kg.facts_log``), read with
    one ``SharedReader``: the facts by their index, and the indexes whose file
    is missing or cannot be read (to be extracted again: a damaged file is
    never trusted)."""
    reader = SharedReader()
    facts: dict[int, ArticleFacts] = {}
    damaged: set[int] = set()
    for index, path in files:
        found = read_facts_file(path, reader.loads)
        if found is None:
            damaged.add(index)
        else:
            facts[index] = found
    return facts, damaged


def read_facts_file(place: Path | str, loads: Callable[[bytes], object] = pickle.loads
                    ) -> ArticleFacts | None:
    """One article's pickled ``ArticleFacts``, from a file of its own or a
    build's facts log (``kg.facts_log``); None if they are missing or cannot
    be read: any damage means the facts are not trusted."""
    try:
        found = loads(read_place(place))
    except Exception:  # noqa: BLE001 - any damage at all
        return None
    return found if isinstance(found, ArticleFacts) else None
