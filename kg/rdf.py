"""Resolved corpus -> RDF graph (schema.org where it fits, kg: for the rest).

Every fact-bearing node (nomination, credit, quotation, tweet, and one sentence
per entity) points to ``kg:Evidence`` nodes holding the sentence and its
character offsets in the article file, so "where does this come from?" is a
SPARQL query. Citations and networks are plain links (article -> outlet, work ->
network) without evidence of their own.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from urllib.parse import quote

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import OWL

from kg.records import Evidence
from kg.resolve import Corpus, Entity
from kg.vocab import ID, KG, SCHEMA

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
PREFIXES = {"schema": SCHEMA, "kg": KG._NS, "id": ID, "rdfs": RDFS, "xsd": XSD, "owl": OWL}


def _iri(ident: str) -> URIRef:
    return ID[ident]


def _part(text: str) -> str:
    """An IRI-safe path segment for a file name ("my story (1)" -> "my%20story%20%281%29")."""
    return quote(text, safe="-_.~")


def _article(article_id: str) -> URIRef:
    return ID[f"article/{_part(article_id)}"]


def _decimal(value: float) -> Literal:
    """A confidence as an exact xsd:decimal (a float would fail sh:datatype checks)."""
    return Literal(Decimal(str(round(value, 2))), datatype=XSD.decimal)


def _digest(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:12]


class GraphBuilder:
    def __init__(self) -> None:
        self.g = Graph()
        for prefix, ns in PREFIXES.items():
            self.g.bind(prefix, ns)

    def evidence(self, subject: URIRef, ev: Evidence) -> None:
        node = ID[f"evidence/{_part(ev.article)}-{ev.start}-{ev.end}"]
        g = self.g
        if (node, RDF.type, KG.Evidence) not in g:
            g.add((node, RDF.type, KG.Evidence))
            g.add((node, KG.inArticle, _article(ev.article)))
            g.add((node, KG.sentence, Literal(ev.sentence)))
            g.add((node, KG.startOffset, Literal(ev.start, datatype=XSD.integer)))
            g.add((node, KG.endOffset, Literal(ev.end, datatype=XSD.integer)))
        g.add((subject, KG.evidence, node))

    def entity(self, e: Entity, corpus: Corpus) -> None:
        g, s = self.g, _iri(e.id)
        if e.kind == "organization":
            g.add((s, RDF.type, ORG_CLASS.get(e.subkind, SCHEMA.Organization)))
        else:
            g.add((s, RDF.type, CLASS_OF[e.kind]))
        g.add((s, SCHEMA.name, Literal(e.name)))
        g.add((s, RDFS.label, Literal(e.name)))
        for alias in sorted(e.aliases):
            if alias != e.name:
                g.add((s, SCHEMA.alternateName, Literal(alias)))
        for ev in e.evidence[:1]:
            self.evidence(s, ev)
        if e.kind == "category":
            g.add((s, KG.award, _iri(e.attrs["award"])))
        if e.kind == "ceremony":
            g.add((s, KG.award, _iri(e.attrs["award"])))
            g.add((s, KG.ordinal, Literal(e.attrs["ordinal"], datatype=XSD.integer)))
            details = corpus.ceremonies.get(e.id)
            if details:
                if details.date:
                    g.add((s, SCHEMA.startDate, Literal(details.date.isoformat(),
                                                        datatype=XSD.date)))
                for host in details.hosts:
                    g.add((s, KG.host, _iri(host)))
                if details.venue:
                    g.add((s, KG.venue, _iri(details.venue)))
        if e.kind == "account":
            g.add((s, KG.handle, Literal(e.attrs["handle"])))
            g.add((s, SCHEMA.name, Literal(e.attrs["display"])))
            g.remove((s, SCHEMA.name, Literal(e.name)))
            g.set((s, RDFS.label, Literal(e.name)))
            if "owner" in e.attrs:
                g.add((s, KG.account, _iri(e.attrs["owner"])))

    def build(self, corpus: Corpus) -> Graph:
        g = self.g
        for e in sorted(corpus.entities.values(), key=lambda e: e.id):
            self.entity(e, corpus)
        for f in corpus.articles:
            a = _article(f.article_id)
            g.add((a, RDF.type, SCHEMA.NewsArticle))
            g.add((a, SCHEMA.name, Literal(f.article_id)))
            g.add((a, KG.sourceFile, Literal(f.article_id)))
            g.add((a, SCHEMA.datePublished, Literal(f.date.isoformat(), datatype=XSD.date)))
        for article, ent_id in sorted(corpus.mentions):
            g.add((_article(article), SCHEMA.mentions, _iri(ent_id)))
        for article, ent_id in sorted(corpus.citations):
            g.add((_article(article), KG.cites, _iri(ent_id)))
        for nom in corpus.nominations:
            n = ID[f"nomination/{_digest(nom.nominee, nom.category, nom.ceremony)}"]
            g.add((n, RDF.type, KG.Nomination))
            g.add((n, KG.nominee, _iri(nom.nominee)))
            if nom.category:
                g.add((n, KG.category, _iri(nom.category)))
                g.add((_iri(nom.nominee), KG.wonAward if nom.won else KG.nominatedFor,
                       _iri(nom.category)))
            if nom.work:
                g.add((n, KG.forWork, _iri(nom.work)))
            g.add((n, KG.ceremony, _iri(nom.ceremony)))
            g.add((n, KG.won, Literal(nom.won)))
            if nom.confidence < 1.0:
                g.add((n, KG.confidence, _decimal(nom.confidence)))
            for ev in sorted(set(nom.evidence)):
                self.evidence(n, ev)
        for cr in corpus.credits:
            c = ID[f"credit/{_digest(cr.person, cr.work)}"]
            g.add((c, RDF.type, KG.Credit))
            g.add((c, KG.performer, _iri(cr.person)))
            g.add((c, KG.work, _iri(cr.work)))
            g.add((c, KG.role, Literal(cr.role)))
            if cr.character:
                g.add((c, KG.character, Literal(cr.character)))
            if cr.confidence < 1.0:
                g.add((c, KG.confidence, _decimal(cr.confidence)))
            if cr.role == "actor":
                g.add((_iri(cr.person), KG.actedIn, _iri(cr.work)))
            for ev in sorted(set(cr.evidence)):
                self.evidence(c, ev)
        for work_id, (net_id, _evidence) in sorted(corpus.airs.items()):
            g.add((_iri(work_id), KG.network, _iri(net_id)))
        for rt in corpus.tweets:
            t = rt.tweet
            s = ID[f"tweet/{_part(rt.article)}-{t.index + 1}"]
            g.add((s, RDF.type, SCHEMA.SocialMediaPosting))
            g.add((s, SCHEMA.text, Literal(t.text)))
            g.add((s, SCHEMA.author, _iri(rt.account)))
            if t.date:
                g.add((s, SCHEMA.datePublished, Literal(t.date.isoformat(), datatype=XSD.date)))
            for h in t.hashtags:
                g.add((s, KG.hashtag, Literal(h)))
            for link in t.links:
                g.add((s, KG.link, Literal(link, datatype=XSD.anyURI)))
            for m in rt.mentions:
                g.add((s, SCHEMA.mentions, _iri(m)))
            g.add((_article(rt.article), KG.embeds, s))
            self.evidence(s, t.evidence)
        for rq in corpus.quotes:
            q = rq.quote
            s = ID[f"quote/{_part(rq.article)}-{q.index + 1}"]
            g.add((s, RDF.type, SCHEMA.Quotation))
            g.add((s, SCHEMA.text, Literal(q.text)))
            g.add((s, KG.inArticle, _article(rq.article)))
            if rq.speaker:
                g.add((s, KG.speaker, _iri(rq.speaker)))
            if q.confidence < 1.0:
                g.add((s, KG.confidence, _decimal(q.confidence)))
            self.evidence(s, q.evidence)
        return g


def to_graph(corpus: Corpus) -> Graph:
    return GraphBuilder().build(corpus)


