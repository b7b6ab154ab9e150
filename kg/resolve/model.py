"""What resolution produces: one entity per real thing, and the facts between
them, each with the evidence sentences it rests on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Protocol

from kg.records import Evidence, Quote, Tweet

ORG_KINDS = ("outlet", "network", "organization")


@dataclass(slots=True)  # many thousands of them in a large corpus
class Entity:
    id: str
    kind: str  # person | work | organization | award | category | ceremony | place | account
    name: str
    subkind: str | None = None  # outlet | network for organisations
    # most entities have no other name: they share one empty frozenset (an
    # empty set costs 216 bytes, and resolution holds each entity up to three
    # times); a set of their own comes with the first (``add_aliases``)
    aliases: AbstractSet[str] = frozenset()
    evidence: list[Evidence] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)

    def add_aliases(self, names: Iterable[str]) -> None:
        """Add other names this entity goes by."""
        names = list(names)
        if not names:
            return
        if not isinstance(self.aliases, set):
            self.aliases = set(self.aliases)
        self.aliases.update(names)


@dataclass(slots=True)  # many thousands of them in a large corpus
class Nomination:
    nominee: str
    category: str | None
    work: str | None
    ceremony: str
    won: bool
    evidence: list[Evidence]
    confidence: float


@dataclass(slots=True)  # many thousands of them in a large corpus
class Credit:
    person: str
    work: str
    role: str
    character: str | None
    evidence: list[Evidence]
    confidence: float


@dataclass(slots=True)  # many thousands of them in a large corpus
class ResolvedTweet:
    article: str
    tweet: Tweet
    account: str
    mentions: list[str]


@dataclass(slots=True)  # many thousands of them in a large corpus
class ResolvedQuote:
    article: str
    quote: Quote
    speaker: str | None


@dataclass(slots=True)  # many thousands of them in a large corpus
class CeremonyDetails:
    date: dt.date | None = None
    hosts: list[str] = field(default_factory=list)
    venue: str | None = None
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    """What the graph says of an article itself. The resolved corpus keeps only
    this of each article's extracted facts, so that the facts it does not link
    (mentions, nominations as extracted ...) can be freed before the graph is
    written."""

    article_id: str
    date: dt.date


class LinkFiles(Protocol):
    """Slices of a corpus's per-article links kept in files (``kg.resolve.spill``)."""

    def __iter__(self) -> Iterator[Corpus]: ...

    def rewrite(self, change: Callable[[Corpus], Corpus | None]) -> None: ...

    def close(self) -> None: ...


@dataclass
class Corpus:
    """The resolved corpus: entities by id and the facts between them."""

    articles: list[ArticleInfo]
    entities: dict[str, Entity] = field(default_factory=dict)
    nominations: list[Nomination] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)
    airs: dict[str, tuple[str, list[Evidence]]] = field(default_factory=dict)
    ceremonies: dict[str, CeremonyDetails] = field(default_factory=dict)
    tweets: list[ResolvedTweet] = field(default_factory=list)
    quotes: list[ResolvedQuote] = field(default_factory=list)
    # (article, entity) pairs: which articles cite which outlets, mention which entities
    citations: set[tuple[str, str]] = field(default_factory=set)
    mentions: set[tuple[str, str]] = field(default_factory=set)
    # more of the four fields above, kept in files (see kg.resolve.spill)
    spilled: LinkFiles | None = None

    def link_slices(self) -> Iterator[Corpus]:
        """The per-article links (mentions, citations, tweets, quotes): this
        corpus's own, then each slice kept in files."""
        yield self
        if self.spilled is not None:
            yield from self.spilled
