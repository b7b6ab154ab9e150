"""Resolved corpus -> RDF quads (schema.org where it fits, kg: for the rest).

Every fact-bearing node (nomination, credit, quotation, tweet, and one sentence
per entity) points to ``kg:Evidence`` nodes holding the sentence and its
character offsets in the article file, so "where does this come from?" is a
SPARQL query. Citations and networks are plain links (article -> outlet, work ->
network) without evidence of their own.

Each quad goes to a named graph chosen by its subject (see ``kg.dataset``):
the article, its tweets, quotations and evidence sentences in the article's
graph, everything else in the entities graph. Quads are produced as a stream of
pyoxigraph terms, so a large corpus goes straight into an Oxigraph database
without an in-memory graph in between; each quad once, each subject's
together (entities by id, then nominations, credits, and articles with their
tweets and quotations), so Turtle can be written from the same stream.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from typing import TypeVar
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Quad
from rdflib import RDF, RDFS, XSD, URIRef

from kg.dataset import ENTITIES_GRAPH, article_graph_iri
from kg.records import Evidence
from kg.resolve import (
    ArticleInfo,
    Corpus,
    Credit,
    Entity,
    Nomination,
    ResolvedQuote,
    ResolvedTweet,
)
from kg.vocab import ENTITY_BASE, KG, SCHEMA

CLASS_OF = {
    "person": SCHEMA.Person,
    "work": SCHEMA.CreativeWork,
    "award": KG.Award,
    "category": KG.AwardCategory,
    "ceremony": KG.AwardCeremony,
    "place": SCHEMA.Place,
    "account": KG.Account,
}
ORG_CLASS = {"outlet": SCHEMA.NewsMediaOrganization, "network": SCHEMA.Organization,
             None: SCHEMA.Organization}


@cache
def _v(term: URIRef) -> NamedNode:
    """A vocabulary term (few, reused everywhere) as a pyoxigraph node."""
    return NamedNode(str(term))


class _Nodes:
    """One vocabulary's terms as pyoxigraph nodes: ``K.nominee`` is made from
    ``KG.nominee`` on first use (a term the vocabulary lacks fails there, as
    it would in rdflib) and is a plain attribute after that, since a large
    graph asks for the same few terms millions of times."""

    def __init__(self, vocabulary: object) -> None:
        self._vocabulary = vocabulary

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        node = NamedNode(str(getattr(self._vocabulary, name)))
        setattr(self, name, node)
        return node


R, S, K = _Nodes(RDF), _Nodes(SCHEMA), _Nodes(KG)
L, X = _Nodes(RDFS), _Nodes(XSD)


def _iri(ident: str) -> NamedNode:
    return NamedNode(ENTITY_BASE + ident)


@lru_cache(maxsize=1 << 16)  # article names recur in every quad of their graph
def _part(text: str) -> str:
    """An IRI-safe path segment for a file name ("my story (1)" -> "my%20story%20%281%29")."""
    return quote(text, safe="-_.~")


@lru_cache(maxsize=1 << 16)
def _article(article_id: str) -> NamedNode:
    return _iri(f"article/{_part(article_id)}")


def entity_node(ident: str) -> NamedNode:
    """The IRI of an entity, nomination or credit (``ident``: "person/ada-quill")."""
    return _iri(ident)


def article_graph(article_id: str) -> NamedNode:
    """The named graph an article's own quads go to."""
    return NamedNode(str(article_graph_iri(_part(article_id))))


def _text(value: str) -> Literal:
    return Literal(value)


def _typed(value: object, datatype: NamedNode) -> Literal:
    return Literal(str(value), datatype=datatype)


def _decimal(value: float) -> Literal:
    """A confidence as an exact xsd:decimal (a float would fail sh:datatype checks)."""
    return _typed(Decimal(str(round(value, 2))), X.decimal)


def _digest(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:12]


class QuadWriter:
    """Turns a resolved corpus into quads. Each evidence node is written once,
    and each subject's quads come together, with the evidence sentences they
    cite after them, so that Turtle written from the stream as it goes (see
    ``kg.builder``) names each subject once; a quad is never written twice.

    An entity's quads that come from facts resolved across articles (what it
    won or was nominated for, acted in, airs on) are written with the entity
    when the corpus holds it, else with those facts: a store update writes
    some entities and some facts, and each quad must come from what it owns."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._evidence_done: set[str] = set()
        self._graphs: dict[str, NamedNode] = {}
        self._entities = NamedNode(str(ENTITIES_GRAPH))
        self._nominations = _sorted(corpus.nominations, key=lambda n: n.nominee)
        self._credits = _sorted(corpus.credits, key=lambda c: c.person)
        self._airs = sorted(corpus.airs.items())

    def _graph_of(self, article_id: str) -> NamedNode:
        graph = self._graphs.get(article_id)
        if graph is None:
            graph = self._graphs[article_id] = NamedNode(
                str(article_graph_iri(_part(article_id))))
        return graph

    def cite(self, subject: NamedNode, graph: NamedNode, evidence: Iterable[Evidence],
             sentences: list[Quad]) -> Iterator[Quad]:
        """The links from ``subject`` to its evidence sentences; each sentence
        node's own quads (in its article's graph) go to ``sentences`` the first
        time it is cited, for the caller to write after the subject's."""
        for ev in evidence:
            local = f"evidence/{_part(ev.article)}-{ev.start}-{ev.end}"
            node = _iri(local)
            if local not in self._evidence_done:
                self._evidence_done.add(local)
                where = self._graph_of(ev.article)
                sentences += [Quad(node, R.type, K.Evidence, where),
                              Quad(node, K.inArticle, _article(ev.article), where),
                              Quad(node, K.sentence, _text(ev.sentence), where),
                              Quad(node, K.startOffset, _typed(ev.start, X.integer), where),
                              Quad(node, K.endOffset, _typed(ev.end, X.integer), where)]
            yield Quad(subject, K.evidence, node, graph)

    def cited(self, subject: NamedNode, graph: NamedNode, evidence: Iterable[Evidence]
              ) -> Iterator[Quad]:
        """The links from ``subject`` to its evidence sentences, then the
        sentence nodes written for the first time (see ``cite``)."""
        sentences: list[Quad] = []
        yield from self.cite(subject, graph, evidence, sentences)
        yield from sentences

    def entity(self, e: Entity, facts: Iterable[Quad] = ()) -> Iterator[Quad]:
        """An entity's quads, then ``facts`` about it, then its evidence sentence."""
        s, g = _iri(e.id), self._entities

        def q(p: NamedNode, o) -> Quad:
            return Quad(s, p, o, g)

        if e.kind == "organization":
            yield q(R.type, _v(ORG_CLASS.get(e.subkind, SCHEMA.Organization)))
        else:
            yield q(R.type, _v(CLASS_OF[e.kind]))
        if e.kind == "account":
            # labelled by its handle, named by its display name, even where that
            # is the handle again ("— @bo (@bo)"): every entity has one name
            yield q(S.name, _text(e.attrs["display"]))
        else:
            yield q(S.name, _text(e.name))
        yield q(L.label, _text(e.name))
        for alias in sorted(e.aliases):
            if alias != e.name:
                yield q(S.alternateName, _text(alias))
        sentences: list[Quad] = []
        yield from self.cite(s, g, e.evidence[:1], sentences)
        if e.kind in ("category", "ceremony"):
            yield q(K.award, _iri(e.attrs["award"]))
        if e.kind == "ceremony":
            yield q(K.ordinal, _typed(e.attrs["ordinal"], X.integer))
            details = self.corpus.ceremonies.get(e.id)
            if details:
                if details.date:
                    yield q(S.startDate, _typed(details.date.isoformat(), X.date))
                for host in details.hosts:
                    yield q(K.host, _iri(host))
                if details.venue:
                    yield q(K.venue, _iri(details.venue))
        if e.kind == "account":
            yield q(K.handle, _text(e.attrs["handle"]))
            if "owner" in e.attrs:
                yield q(K.account, _iri(e.attrs["owner"]))
        yield from facts
        yield from sentences

    def entities(self) -> Iterator[Quad]:
        """Every entity, in id order, with the facts about it (see the class)."""
        won = _Runs(self._nominations, lambda n: n.nominee)
        acted = _Runs(self._credits, lambda c: c.person)
        airs = _Runs(self._airs, lambda kv: kv[0])
        for e in sorted(self.corpus.entities.values(), key=lambda e: e.id):
            facts = [*self._won(won.take(e.id)), *self._acted(acted.take(e.id)),
                     *self._aired(airs.take(e.id))]
            yield from self.entity(e, dict.fromkeys(facts))  # each once, in order
        # facts about entities this corpus does not hold (a store update's)
        held = self.corpus.entities
        for facts in (self._won(n for n in self._nominations if n.nominee not in held),
                      self._acted(c for c in self._credits if c.person not in held),
                      self._aired(kv for kv in self._airs if kv[0] not in held)):
            yield from dict.fromkeys(facts)

    def _won(self, nominations: Iterable[Nomination]) -> Iterator[Quad]:
        for nom in nominations:
            if nom.category:
                yield Quad(_iri(nom.nominee), K.wonAward if nom.won else K.nominatedFor,
                           _iri(nom.category), self._entities)

    def _acted(self, credits: Iterable[Credit]) -> Iterator[Quad]:
        for cr in credits:
            if cr.role == "actor":
                yield Quad(_iri(cr.person), K.actedIn, _iri(cr.work), self._entities)

    def _aired(self, airs: Iterable[tuple[str, tuple[str, list[Evidence]]]]) -> Iterator[Quad]:
        for work_id, (net_id, _evidence) in airs:
            yield Quad(_iri(work_id), K.network, _iri(net_id), self._entities)

    def nominations(self) -> Iterator[Quad]:
        g = self._entities
        for nom in self.corpus.nominations:
            n = _iri(f"nomination/{_digest(nom.nominee, nom.category, nom.ceremony)}")
            yield Quad(n, R.type, K.Nomination, g)
            yield Quad(n, K.nominee, _iri(nom.nominee), g)
            if nom.category:
                yield Quad(n, K.category, _iri(nom.category), g)
            if nom.work:
                yield Quad(n, K.forWork, _iri(nom.work), g)
            yield Quad(n, K.ceremony, _iri(nom.ceremony), g)
            yield Quad(n, K.won, _typed("true" if nom.won else "false", X.boolean), g)
            if nom.confidence < 1.0:
                yield Quad(n, K.confidence, _decimal(nom.confidence), g)
            yield from self.cited(n, g, sorted(set(nom.evidence)))

    def credits(self) -> Iterator[Quad]:
        g = self._entities
        for cr in self.corpus.credits:
            c = _iri(f"credit/{_digest(cr.person, cr.work)}")
            yield Quad(c, R.type, K.Credit, g)
            yield Quad(c, K.performer, _iri(cr.person), g)
            yield Quad(c, K.work, _iri(cr.work), g)
            yield Quad(c, K.role, _text(cr.role), g)
            if cr.character:
                yield Quad(c, K.character, _text(cr.character), g)
            if cr.confidence < 1.0:
                yield Quad(c, K.confidence, _decimal(cr.confidence), g)
            yield from self.cited(c, g, sorted(set(cr.evidence)))

    def articles(self) -> Iterator[Quad]:
        """Each article with what it links (mentions, citations, tweets,
        quotations), a slice of articles at a time as the corpus keeps them;
        then the articles that link nothing."""
        infos = {a.article_id: a for a in self.corpus.articles}
        written: set[str] = set()
        for part in self.corpus.link_slices():  # each slice kept in a file read once
            for article, links in sorted(_links_by_article(part).items()):
                yield from self.article(article, infos.get(article), links)
                written.add(article)
        for info in self.corpus.articles:
            if info.article_id not in written:
                yield from self.article(info.article_id, info, _Links())

    def article(self, article_id: str, info: ArticleInfo | None, links: _Links
                ) -> Iterator[Quad]:
        """One article's node (when ``info`` is given: the corpus holds the
        article) and its links, then its tweets and quotations."""
        a, g = _article(article_id), self._graph_of(article_id)
        if info is not None:
            yield Quad(a, R.type, S.NewsArticle, g)
            yield Quad(a, S.name, _text(article_id), g)
            yield Quad(a, K.sourceFile, _text(article_id), g)
            yield Quad(a, S.datePublished, _typed(info.date.isoformat(), X.date), g)
        for ent_id in sorted(links.mentions):
            yield Quad(a, S.mentions, _iri(ent_id), g)
        for ent_id in sorted(links.citations):
            yield Quad(a, K.cites, _iri(ent_id), g)
        for rt in links.tweets:
            yield Quad(a, K.embeds, self._tweet_node(rt), g)
        for rt in links.tweets:
            yield from self.tweet(rt)
        for rq in links.quotes:
            yield from self.quote(rq)

    def _tweet_node(self, rt: ResolvedTweet) -> NamedNode:
        return _iri(f"tweet/{_part(rt.article)}-{rt.tweet.index + 1}")

    def tweet(self, rt: ResolvedTweet) -> Iterator[Quad]:
        t, g = rt.tweet, self._graph_of(rt.article)
        s = self._tweet_node(rt)
        yield Quad(s, R.type, S.SocialMediaPosting, g)
        yield Quad(s, S.text, _text(t.text), g)
        yield Quad(s, S.author, _iri(rt.account), g)
        if t.date:
            yield Quad(s, S.datePublished, _typed(t.date.isoformat(), X.date), g)
        for h in t.hashtags:
            yield Quad(s, K.hashtag, _text(h), g)
        for link in t.links:
            yield Quad(s, K.link, _typed(link, X.anyURI), g)
        for m in rt.mentions:
            yield Quad(s, S.mentions, _iri(m), g)
        yield from self.cited(s, g, [t.evidence])

    def quote(self, rq: ResolvedQuote) -> Iterator[Quad]:
        q, g = rq.quote, self._graph_of(rq.article)
        s = _iri(f"quote/{_part(rq.article)}-{q.index + 1}")
        yield Quad(s, R.type, S.Quotation, g)
        yield Quad(s, S.text, _text(q.text), g)
        yield Quad(s, K.inArticle, _article(rq.article), g)
        if rq.speaker:
            yield Quad(s, K.speaker, _iri(rq.speaker), g)
        if q.confidence < 1.0:
            yield Quad(s, K.confidence, _decimal(q.confidence), g)
        yield from self.cited(s, g, [q.evidence])

    def quads(self) -> Iterator[Quad]:
        yield from self.entities()
        yield from self.nominations()
        yield from self.credits()
        yield from self.articles()


@dataclass
class _Links:
    """What one article links: entity ids it mentions and cites, its tweets and
    quotations."""

    mentions: list[str] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    tweets: list[ResolvedTweet] = field(default_factory=list)
    quotes: list[ResolvedQuote] = field(default_factory=list)


def _links_by_article(part: Corpus) -> dict[str, _Links]:
    out: dict[str, _Links] = defaultdict(_Links)
    for article, ent_id in part.mentions:
        out[article].mentions.append(ent_id)
    for article, ent_id in part.citations:
        out[article].citations.append(ent_id)
    for rt in part.tweets:
        out[rt.article].tweets.append(rt)
    for rq in part.quotes:
        out[rq.article].quotes.append(rq)
    return out


T = TypeVar("T")


def _sorted(items: list[T], key: Callable[[T], str]) -> list[T]:
    """``items`` ordered by ``key``: as they are when already so (a resolved
    corpus's facts are sorted), else a sorted copy."""
    if all(key(a) <= key(b) for a, b in itertools.pairwise(items)):
        return items
    return sorted(items, key=key)


class _Runs:
    """The items of a list sorted by ``key``, taken a run of equal keys at a
    time for keys asked in increasing order (a merge of two sorted lists:
    linear, holding nothing more)."""

    def __init__(self, items: list[T], key: Callable[[T], str]) -> None:
        self.items, self.key, self.at = items, key, 0

    def take(self, wanted: str) -> list[T]:
        items, key = self.items, self.key
        while self.at < len(items) and key(items[self.at]) < wanted:
            self.at += 1
        start = self.at
        while self.at < len(items) and key(items[self.at]) == wanted:
            self.at += 1
        return items[start : self.at]


def corpus_quads(corpus: Corpus) -> Iterator[Quad]:
    """Every quad of the corpus's graph, each once, each subject's together
    (see ``QuadWriter``)."""
    return QuadWriter(corpus).quads()
