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
without an in-memory graph in between.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from decimal import Decimal
from functools import cache, lru_cache
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Quad
from rdflib import RDF, RDFS, XSD, URIRef

from kg.dataset import ENTITIES_GRAPH, article_graph_iri
from kg.records import Evidence
from kg.resolve import Corpus, Entity
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


def _typed(value: object, datatype: URIRef) -> Literal:
    return Literal(str(value), datatype=_v(datatype))


def _decimal(value: float) -> Literal:
    """A confidence as an exact xsd:decimal (a float would fail sh:datatype checks)."""
    return _typed(Decimal(str(round(value, 2))), XSD.decimal)


def _digest(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:12]


class QuadWriter:
    """Turns a resolved corpus into quads; each evidence node is written once."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._evidence_done: set[str] = set()
        self._graphs: dict[str, NamedNode] = {}
        self._entities = NamedNode(str(ENTITIES_GRAPH))

    def _graph_of(self, article_id: str) -> NamedNode:
        graph = self._graphs.get(article_id)
        if graph is None:
            graph = self._graphs[article_id] = NamedNode(
                str(article_graph_iri(_part(article_id))))
        return graph

    def evidence(self, subject: NamedNode, graph: NamedNode, ev: Evidence) -> Iterator[Quad]:
        """The link from ``subject`` to its evidence sentence, and the sentence
        node itself (in its article's graph) the first time it is cited."""
        local = f"evidence/{_part(ev.article)}-{ev.start}-{ev.end}"
        node = _iri(local)
        if local not in self._evidence_done:
            self._evidence_done.add(local)
            where = self._graph_of(ev.article)
            yield Quad(node, R.type, K.Evidence, where)
            yield Quad(node, K.inArticle, _article(ev.article), where)
            yield Quad(node, K.sentence, _text(ev.sentence), where)
            yield Quad(node, K.startOffset, _typed(ev.start, XSD.integer), where)
            yield Quad(node, K.endOffset, _typed(ev.end, XSD.integer), where)
        yield Quad(subject, K.evidence, node, graph)

    def entity(self, e: Entity) -> Iterator[Quad]:
        s, g = _iri(e.id), self._entities

        def q(p: URIRef, o) -> Quad:
            return Quad(s, _v(p), o, g)

        if e.kind == "organization":
            yield q(RDF.type, _v(ORG_CLASS.get(e.subkind, SCHEMA.Organization)))
        else:
            yield q(RDF.type, _v(CLASS_OF[e.kind]))
        if e.kind == "account":
            # labelled by its handle, named by its display name, even where that
            # is the handle again ("— @bo (@bo)"): every entity has one name
            yield q(SCHEMA.name, _text(e.attrs["display"]))
        else:
            yield q(SCHEMA.name, _text(e.name))
        yield q(RDFS.label, _text(e.name))
        for alias in sorted(e.aliases):
            if alias != e.name:
                yield q(SCHEMA.alternateName, _text(alias))
        for ev in e.evidence[:1]:
            yield from self.evidence(s, g, ev)
        if e.kind in ("category", "ceremony"):
            yield q(KG.award, _iri(e.attrs["award"]))
        if e.kind == "ceremony":
            yield q(KG.ordinal, _typed(e.attrs["ordinal"], XSD.integer))
            details = self.corpus.ceremonies.get(e.id)
            if details:
                if details.date:
                    yield q(SCHEMA.startDate, _typed(details.date.isoformat(), XSD.date))
                for host in details.hosts:
                    yield q(KG.host, _iri(host))
                if details.venue:
                    yield q(KG.venue, _iri(details.venue))
        if e.kind == "account":
            yield q(KG.handle, _text(e.attrs["handle"]))
            if "owner" in e.attrs:
                yield q(KG.account, _iri(e.attrs["owner"]))

    def articles(self) -> Iterator[Quad]:
        for f in self.corpus.articles:
            a, g = _article(f.article_id), self._graph_of(f.article_id)
            yield Quad(a, R.type, S.NewsArticle, g)
            yield Quad(a, S.name, _text(f.article_id), g)
            yield Quad(a, K.sourceFile, _text(f.article_id), g)
            yield Quad(a, S.datePublished, _typed(f.date.isoformat(), XSD.date), g)

    def links(self, part: Corpus) -> Iterator[Quad]:
        """What ``part`` links per article: mentions, citations, tweets, quotes."""
        for links, predicate in ((part.mentions, SCHEMA.mentions), (part.citations, KG.cites)):
            for article, ent_id in sorted(links):
                yield Quad(_article(article), _v(predicate), _iri(ent_id),
                           self._graph_of(article))
        yield from self.tweets(part)
        yield from self.quotes(part)

    def nominations(self) -> Iterator[Quad]:
        g = self._entities
        for nom in self.corpus.nominations:
            n = _iri(f"nomination/{_digest(nom.nominee, nom.category, nom.ceremony)}")
            nominee = _iri(nom.nominee)
            yield Quad(n, R.type, K.Nomination, g)
            yield Quad(n, K.nominee, nominee, g)
            if nom.category:
                category = _iri(nom.category)
                yield Quad(n, K.category, category, g)
                yield Quad(nominee, _v(KG.wonAward if nom.won else KG.nominatedFor), category, g)
            if nom.work:
                yield Quad(n, K.forWork, _iri(nom.work), g)
            yield Quad(n, K.ceremony, _iri(nom.ceremony), g)
            yield Quad(n, K.won, _typed("true" if nom.won else "false", XSD.boolean), g)
            if nom.confidence < 1.0:
                yield Quad(n, K.confidence, _decimal(nom.confidence), g)
            for ev in sorted(set(nom.evidence)):
                yield from self.evidence(n, g, ev)

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
            if cr.role == "actor":
                yield Quad(_iri(cr.person), K.actedIn, _iri(cr.work), g)
            for ev in sorted(set(cr.evidence)):
                yield from self.evidence(c, g, ev)
        for work_id, (net_id, _evidence) in sorted(self.corpus.airs.items()):
            yield Quad(_iri(work_id), K.network, _iri(net_id), g)

    def tweets(self, part: Corpus) -> Iterator[Quad]:
        for rt in part.tweets:
            t, g = rt.tweet, self._graph_of(rt.article)
            s = _iri(f"tweet/{_part(rt.article)}-{t.index + 1}")
            yield Quad(s, R.type, S.SocialMediaPosting, g)
            yield Quad(s, S.text, _text(t.text), g)
            yield Quad(s, S.author, _iri(rt.account), g)
            if t.date:
                yield Quad(s, S.datePublished, _typed(t.date.isoformat(), XSD.date), g)
            for h in t.hashtags:
                yield Quad(s, K.hashtag, _text(h), g)
            for link in t.links:
                yield Quad(s, K.link, _typed(link, XSD.anyURI), g)
            for m in rt.mentions:
                yield Quad(s, S.mentions, _iri(m), g)
            yield Quad(_article(rt.article), K.embeds, s, g)
            yield from self.evidence(s, g, t.evidence)

    def quotes(self, part: Corpus) -> Iterator[Quad]:
        for rq in part.quotes:
            q, g = rq.quote, self._graph_of(rq.article)
            s = _iri(f"quote/{_part(rq.article)}-{q.index + 1}")
            yield Quad(s, R.type, S.Quotation, g)
            yield Quad(s, S.text, _text(q.text), g)
            yield Quad(s, K.inArticle, _article(rq.article), g)
            if rq.speaker:
                yield Quad(s, K.speaker, _iri(rq.speaker), g)
            if q.confidence < 1.0:
                yield Quad(s, K.confidence, _decimal(q.confidence), g)
            yield from self.evidence(s, g, q.evidence)

    def quads(self) -> Iterator[Quad]:
        for e in sorted(self.corpus.entities.values(), key=lambda e: e.id):
            yield from self.entity(e)
        yield from self.articles()
        yield from self.nominations()
        yield from self.credits()
        for part in self.corpus.link_slices():  # each slice kept in a file read once
            yield from self.links(part)


def corpus_quads(corpus: Corpus) -> Iterator[Quad]:
    """Every quad of the corpus's graph (duplicates possible; a store keeps one)."""
    return QuadWriter(corpus).quads()
