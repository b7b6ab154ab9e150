"""The project's RDF vocabulary as rdflib ``DefinedNamespace`` classes.

A typo such as ``KG.nomine`` raises ``AttributeError`` instead of silently
minting a new IRI. The terms are documented in ``ontology/kg.ttl``; this module
must list exactly the terms defined there (a test checks it).
"""

from __future__ import annotations

from rdflib import RDFS, XSD, Namespace, URIRef
from rdflib.namespace import OWL, DefinedNamespace

ONTOLOGY_IRI = "https://w3id.org/kgnews/ontology#"
ENTITY_BASE = "https://w3id.org/kgnews/id/"

ID = Namespace(ENTITY_BASE)
SCHEMA = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")


class KG(DefinedNamespace):
    """Terms that schema.org lacks: awards, categories, ceremonies, nominations,
    credits, social-media accounts and evidence (provenance)."""

    _fail = True
    _NS = Namespace(ONTOLOGY_IRI)

    # classes
    Award: URIRef  # an award given in many ceremonies ("Primetime Emmy Award")
    AwardCategory: URIRef  # a category of an award
    AwardCeremony: URIRef  # one ceremony (an event) of an award
    Nomination: URIRef  # n-ary: nominee, category, work, ceremony, won
    Credit: URIRef  # n-ary: person, work, role, character
    Account: URIRef  # a social-media account (handle)
    Evidence: URIRef  # a sentence of an article that supports a fact

    # nominations
    nominee: URIRef
    category: URIRef
    forWork: URIRef
    ceremony: URIRef
    won: URIRef
    nominatedFor: URIRef  # shortcut: nominee -> category
    wonAward: URIRef  # shortcut: winner -> category

    # awards, categories, ceremonies
    award: URIRef  # category / ceremony -> award
    host: URIRef  # ceremony -> person
    venue: URIRef  # ceremony -> place
    ordinal: URIRef  # ceremony -> 72

    # credits and works
    performer: URIRef  # credit -> person
    work: URIRef  # credit -> work
    role: URIRef  # credit -> "actor" | "host" | "creator" | "director" | "writer"
    character: URIRef  # credit -> character name (literal)
    actedIn: URIRef  # shortcut: person -> work
    network: URIRef  # work -> organisation that airs it

    # accounts and tweets
    handle: URIRef  # account -> handle without "@"
    account: URIRef  # account -> the person / organisation / work it speaks for
    hashtag: URIRef  # tweet -> hashtag without "#"
    link: URIRef  # tweet -> URL literal (pic.twitter.com, t.co)
    embeds: URIRef  # article -> tweet

    # articles
    sourceFile: URIRef  # article -> file name without extension
    cites: URIRef  # article -> outlet

    # quotations
    speaker: URIRef  # quotation -> person

    # provenance
    evidence: URIRef  # any fact node -> Evidence
    inArticle: URIRef  # Evidence / fact -> article
    sentence: URIRef  # Evidence -> sentence text
    startOffset: URIRef  # Evidence -> character offset in the article file
    endOffset: URIRef
    confidence: URIRef  # fact -> xsd:decimal in [0, 1] when the fact is a guess


# the prefixes every query may use without declaring them, and every export binds
PREFIXES = {"schema": SCHEMA, "kg": KG._NS, "id": ID, "rdfs": RDFS, "xsd": XSD, "owl": OWL}
