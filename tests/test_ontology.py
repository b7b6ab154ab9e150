"""The ontology (ontology/kg.ttl), the SHACL shapes (ontology/shapes.ttl) and kg.validate.

The ontology must declare exactly the kg: terms of ``kg.vocab.KG`` and document each
one; the shapes must accept what the build writes and reject broken graphs with a
report that names the problem.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib import namespace as rdflib_ns

from kg.builder import build_graph
from kg.gazetteer import ONTOLOGY_DIR
from kg.validate import validate
from kg.vocab import ID, KG, ONTOLOGY_IRI, SCHEMA

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ONTOLOGY_DIR / "kg.ttl"
SHAPES = ONTOLOGY_DIR / "shapes.ttl"
VOCAB_TERMS = {KG._NS[name] for name in KG.__annotations__}
KIND = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
# xsd: datatypes as plain IRIs: a module-level rdflib XSD object makes pytest's fixture
# scan trigger rdflib's "not defined in namespace XSD" warning.
XSD_NS = str(rdflib_ns.XSD)
INTEGER, DECIMAL, DATE, ANYURI = (URIRef(XSD_NS + name)
                                  for name in ("integer", "decimal", "date", "anyURI"))


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


def _kg_terms(graph: Graph) -> set[URIRef]:
    """Every kg: IRI used anywhere in ``graph`` (subject, predicate or object)."""
    return {term for triple in graph for term in triple
            if isinstance(term, URIRef) and str(term).startswith(ONTOLOGY_IRI)}


# --- the ontology -------------------------------------------------------------------


def test_ontology_header(ontology):
    onto = URIRef(ONTOLOGY_IRI.rstrip("#"))
    assert (onto, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(onto, OWL.versionInfo) == Literal("0.1.0")
    for prop in (RDFS.label, RDFS.comment, URIRef("http://purl.org/dc/terms/license")):
        assert ontology.value(onto, prop) is not None, prop


def test_declared_terms_equal_the_vocabulary(ontology):
    declared = {s for kind in KIND for s in ontology.subjects(RDF.type, kind)
                if isinstance(s, URIRef) and str(s).startswith(ONTOLOGY_IRI)}
    assert declared - VOCAB_TERMS == set(), "declared in kg.ttl but missing from kg/vocab.py"
    assert VOCAB_TERMS - declared == set(), "listed in kg/vocab.py but not declared in kg.ttl"
    # and no kg: IRI is used in either file without being a vocabulary term
    assert _kg_terms(ontology) <= VOCAB_TERMS
    assert _kg_terms(Graph().parse(SHAPES, format="turtle")) <= VOCAB_TERMS


def test_every_term_is_documented_and_typed_once(ontology):
    for term in sorted(VOCAB_TERMS):
        kinds = {k for k in KIND if (term, RDF.type, k) in ontology}
        assert len(kinds) == 1, f"{term}: {kinds}"
        label = ontology.value(term, RDFS.label)
        comment = ontology.value(term, RDFS.comment)
        assert label is not None and str(label).strip(), f"{term} has no rdfs:label"
        assert comment is not None and len(str(comment)) > 20, f"{term} has no rdfs:comment"
        # classes are capitalised, properties are not
        assert (OWL.Class in kinds) == str(term)[len(ONTOLOGY_IRI)].isupper(), term


def test_datatype_properties_have_xsd_ranges(ontology):
    for prop in ontology.subjects(RDF.type, OWL.DatatypeProperty):
        if str(prop).startswith(ONTOLOGY_IRI):
            rng = ontology.value(prop, RDFS.range)
            assert isinstance(rng, URIRef) and str(rng).startswith(XSD_NS), prop


def test_schema_org_reuse_and_wikidata_mappings(ontology):
    schema_event = SCHEMA.Event
    assert (KG.AwardCeremony, RDFS.subClassOf, schema_event) in ontology
    assert (SCHEMA.NewsMediaOrganization, RDFS.subClassOf, SCHEMA.Organization) in ontology
    assert (KG.Credit, RDFS.subClassOf, SCHEMA.Role) in ontology
    for term in (SCHEMA.Person, SCHEMA.name, SCHEMA.mentions, SCHEMA.startDate):
        assert ontology.value(term, RDFS.isDefinedBy) == URIRef("https://schema.org/")
    close = URIRef("http://www.w3.org/2004/02/skos/core#closeMatch")
    wd, wdt = "http://www.wikidata.org/entity/", "http://www.wikidata.org/prop/direct/"
    assert (KG.wonAward, close, URIRef(wdt + "P166")) in ontology
    assert (KG.nominatedFor, close, URIRef(wdt + "P1411")) in ontology
    assert (KG.forWork, close, URIRef("http://www.wikidata.org/prop/qualifier/P1686")) in ontology
    assert (KG.network, close, URIRef(wdt + "P449")) in ontology
    assert (KG.host, close, URIRef(wdt + "P371")) in ontology
    assert (KG.Award, close, URIRef(wd + "Q618779")) in ontology
    assert (KG.AwardCeremony, close, URIRef(wd + "Q4504495")) in ontology
    inverse = ontology.value(KG.actedIn, close)
    assert isinstance(inverse, BNode)
    assert ontology.value(inverse, OWL.inverseOf) == URIRef(wdt + "P161")
    # close matches only: a reasoner must not merge kg: terms with Wikidata ones
    assert not list(ontology.triples((None, OWL.equivalentClass, None)))
    assert not list(ontology.triples((None, OWL.equivalentProperty, None)))


# --- the shapes: small hand-made graphs ---------------------------------------------

ARTICLE = ID["article/a1"]
EVIDENCE = ID["evidence/a1-0-40"]
PERSON = ID["person/jane-doe"]
WORK = ID["work/the-show"]
AWARD = ID["award/emmy"]
CATEGORY = ID["category/best-actress"]
CEREMONY = ID["ceremony/72nd-emmys"]
NOMINATION = ID["nomination/n1"]
CREDIT = ID["credit/c1"]
ACCOUNT = ID["account/janedoe"]
TWEET = ID["tweet/a1-1"]
QUOTE = ID["quote/a1-1"]


def _named(g: Graph, node: URIRef, cls: URIRef, name: str) -> None:
    g.add((node, RDF.type, cls))
    g.add((node, SCHEMA.name, Literal(name)))
    g.add((node, RDFS.label, Literal(name)))


def valid_graph() -> Graph:
    """One of everything the build writes, all of it valid."""
    g = Graph()
    g.add((ARTICLE, RDF.type, SCHEMA.NewsArticle))
    g.add((ARTICLE, SCHEMA.name, Literal("a1")))
    g.add((ARTICLE, KG.sourceFile, Literal("a1")))
    g.add((ARTICLE, SCHEMA.datePublished, Literal("2020-09-21", datatype=DATE)))
    g.add((EVIDENCE, RDF.type, KG.Evidence))
    g.add((EVIDENCE, KG.inArticle, ARTICLE))
    g.add((EVIDENCE, KG.sentence, Literal("Jane Doe won the Emmy for The Show.")))
    g.add((EVIDENCE, KG.startOffset, Literal(0, datatype=INTEGER)))
    g.add((EVIDENCE, KG.endOffset, Literal(40, datatype=INTEGER)))
    _named(g, PERSON, SCHEMA.Person, "Jane Doe")
    _named(g, WORK, SCHEMA.CreativeWork, "The Show")
    _named(g, AWARD, KG.Award, "Emmy")
    _named(g, CATEGORY, KG.AwardCategory, "Best Actress")
    _named(g, CEREMONY, KG.AwardCeremony, "72nd Emmys")
    _named(g, ID["organization/hbo"], SCHEMA.Organization, "HBO")
    _named(g, ID["organization/thr"], SCHEMA.NewsMediaOrganization, "THR")
    g.add((PERSON, KG.evidence, EVIDENCE))
    g.add((WORK, KG.network, ID["organization/hbo"]))
    g.add((ARTICLE, KG.cites, ID["organization/thr"]))  # an outlet is an Organization
    g.add((ARTICLE, SCHEMA.mentions, PERSON))
    g.add((CATEGORY, KG.award, AWARD))
    g.add((CEREMONY, KG.award, AWARD))
    g.add((CEREMONY, KG.ordinal, Literal(72, datatype=INTEGER)))
    g.add((CEREMONY, SCHEMA.startDate, Literal("2020-09-20", datatype=DATE)))
    g.add((NOMINATION, RDF.type, KG.Nomination))
    g.add((NOMINATION, KG.nominee, PERSON))
    g.add((NOMINATION, KG.category, CATEGORY))
    g.add((NOMINATION, KG.forWork, WORK))
    g.add((NOMINATION, KG.ceremony, CEREMONY))
    g.add((NOMINATION, KG.won, Literal(True)))
    g.add((NOMINATION, KG.confidence, Literal("0.9", datatype=DECIMAL)))
    g.add((NOMINATION, KG.evidence, EVIDENCE))
    g.add((PERSON, KG.wonAward, CATEGORY))
    g.add((CREDIT, RDF.type, KG.Credit))
    g.add((CREDIT, KG.performer, PERSON))
    g.add((CREDIT, KG.work, WORK))
    g.add((CREDIT, KG.role, Literal("actor")))
    g.add((CREDIT, KG.character, Literal("Ann")))
    g.add((CREDIT, KG.evidence, EVIDENCE))
    g.add((PERSON, KG.actedIn, WORK))
    g.add((ACCOUNT, RDF.type, KG.Account))
    g.add((ACCOUNT, SCHEMA.name, Literal("Jane Doe")))
    g.add((ACCOUNT, RDFS.label, Literal("@JaneDoe")))
    g.add((ACCOUNT, KG.handle, Literal("JaneDoe")))
    g.add((ACCOUNT, KG.account, PERSON))
    g.add((TWEET, RDF.type, SCHEMA.SocialMediaPosting))
    g.add((TWEET, SCHEMA.text, Literal("Thank you! #Emmys")))
    g.add((TWEET, SCHEMA.author, ACCOUNT))
    g.add((TWEET, SCHEMA.datePublished, Literal("2020-09-21", datatype=DATE)))
    g.add((TWEET, KG.hashtag, Literal("Emmys")))
    g.add((TWEET, KG.link, Literal("https://t.co/x", datatype=ANYURI)))
    g.add((TWEET, KG.evidence, EVIDENCE))
    g.add((ARTICLE, KG.embeds, TWEET))
    g.add((QUOTE, RDF.type, SCHEMA.Quotation))
    g.add((QUOTE, SCHEMA.text, Literal("Thank you")))
    g.add((QUOTE, KG.inArticle, ARTICLE))
    g.add((QUOTE, KG.speaker, PERSON))
    g.add((QUOTE, KG.evidence, EVIDENCE))
    return g


def test_a_valid_graph_conforms():
    g = valid_graph()
    size = len(g)
    conforms, report = validate(g)
    assert conforms, report
    assert "Conforms: True" in report
    assert len(g) == size, "validation must not add the ontology to the caller's graph"


def test_validating_in_place_gives_the_same_report():
    """``in_place`` (what ``kg validate`` asks for its own graph) mixes the ontology
    into the graph itself instead of a copy, and reports the same."""
    broken = valid_graph()
    broken.set((ACCOUNT, RDFS.label, Literal("@SomeoneElse")))
    broken.set((NOMINATION, KG.confidence, Literal(Decimal("1.5"))))
    for g in (valid_graph(), broken):
        expected = validate(g)
        size = len(g)
        assert validate(g, in_place=True) == expected
        assert len(g) > size  # the ontology's triples, in the graph now
    assert not expected[0] and "does not match its handle" in expected[1]


def _violates(g: Graph, *expected: str) -> str:
    conforms, report = validate(g)
    assert not conforms, report
    for text in expected:
        assert text in report, report
    return report


def test_nomination_without_nominee():
    g = valid_graph()
    g.remove((NOMINATION, KG.nominee, None))
    report = _violates(g, "kg:Nomination needs exactly one kg:nominee", str(NOMINATION))
    assert "MinCountConstraintComponent" in report


def test_nomination_with_a_string_for_won_and_two_ceremonies():
    g = valid_graph()
    g.set((NOMINATION, KG.won, Literal("yes")))
    g.add((NOMINATION, KG.ceremony, ID["ceremony/other"]))
    _violates(g, "exactly one kg:won, an xsd:boolean", "exactly one kg:ceremony")


def test_evidence_with_start_after_end():
    g = valid_graph()
    g.set((EVIDENCE, KG.startOffset, Literal(50, datatype=INTEGER)))
    report = _violates(g, "less than its kg:endOffset", str(EVIDENCE))
    assert "LessThanConstraintComponent" in report


def test_evidence_with_negative_start():
    g = valid_graph()
    g.set((EVIDENCE, KG.startOffset, Literal(-1, datatype=INTEGER)))
    _violates(g, "MinInclusiveConstraintComponent")


def test_account_with_a_bad_handle():
    g = valid_graph()
    g.set((ACCOUNT, KG.handle, Literal("@bad handle")))
    report = _violates(g, "kg:handle of 1-30 letters, digits or underscores", str(ACCOUNT))
    assert "PatternConstraintComponent" in report


def test_account_label_must_be_at_handle():
    g = valid_graph()
    g.set((ACCOUNT, RDFS.label, Literal("@SomeoneElse")))
    _violates(g, "does not match its handle")


def test_a_sparql_constraint_is_parsed_once_and_checked_for_every_node(monkeypatch):
    """pyshacl runs a SPARQL-based constraint's query once a focus node, the same
    text each time: it is parsed once (``kg.validate.ParsedOnceProcessor``), and
    each node is still checked with its own binding; rdflib's processor is back
    afterwards, even when the validation fails."""
    import rdflib.plugin
    import rdflib.plugins.sparql.processor as rdflib_processor
    from rdflib.plugins.sparql.processor import SPARQLProcessor
    from rdflib.query import Processor

    import kg.validate

    parsed: list[str] = []
    real_parse = kg.validate.parseQuery
    monkeypatch.setattr(kg.validate, "parseQuery", lambda text: parsed.append(text) or
                        real_parse(text))
    by_rdflib: list[str] = []  # rdflib's own processor parsing: it was not replaced
    monkeypatch.setattr(rdflib_processor, "parseQuery", lambda text: by_rdflib.append(text) or
                        real_parse(text))
    g = valid_graph()
    wrong = {f"Keeper{i}": ID[f"account/keeper{i}"] for i in range(6)}
    for handle, account in wrong.items():
        g.add((account, RDF.type, KG.Account))
        g.add((account, SCHEMA.name, Literal(f"Ada Keeper {handle}")))
        g.add((account, RDFS.label, Literal(f"@Not{handle}")))
        g.add((account, KG.handle, Literal(handle)))
    report = _violates(g, *(f"does not match its handle {h}" for h in wrong))
    assert "JaneDoe" not in report  # the one account whose label is right
    assert 1 <= len(parsed) == len(set(parsed)) <= 3  # the shapes' three SPARQL constraints
    assert not by_rdflib
    assert rdflib.plugin.get("sparql", Processor) is SPARQLProcessor
    assert not kg.validate.ParsedOnceProcessor.translated

    def broken(*args, **kwargs):
        raise RuntimeError("a failing check")

    monkeypatch.setattr(kg.validate, "shacl_validate", broken)
    with pytest.raises(RuntimeError):
        validate(valid_graph())
    assert rdflib.plugin.get("sparql", Processor) is SPARQLProcessor

    # two validations overlapping (threads): rdflib's processor is back only
    # when the last one ends, whichever ends first
    first, second = kg.validate.sparql_parsed_once(), kg.validate.sparql_parsed_once()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert rdflib.plugin.get("sparql", Processor) is kg.validate.ParsedOnceProcessor
    second.__exit__(None, None, None)
    assert rdflib.plugin.get("sparql", Processor) is SPARQLProcessor


def test_confidence_out_of_range():
    g = valid_graph()
    g.set((NOMINATION, KG.confidence, Literal("1.5", datatype=DECIMAL)))
    report = _violates(g, "kg:confidence must lie between 0 and 1")
    assert "MaxInclusiveConstraintComponent" in report


def test_entity_needs_exactly_one_nonempty_name():
    g = valid_graph()
    g.add((PERSON, SCHEMA.name, Literal("J. Doe")))
    g.set((WORK, SCHEMA.name, Literal("  ")))
    report = _violates(g, "exactly one non-empty schema:name")
    assert str(PERSON) in report and str(WORK) in report


def test_tweet_checks():
    g = valid_graph()
    g.add((TWEET, KG.hashtag, Literal("#Emmys")))
    g.set((TWEET, SCHEMA.author, PERSON))
    g.remove((ARTICLE, KG.embeds, TWEET))
    _violates(g, "without the leading '#'", "schema:author, a kg:Account",
              "embedded (kg:embeds) by exactly one")


def test_credit_and_quotation_checks():
    g = valid_graph()
    g.set((CREDIT, KG.role, Literal("janitor")))
    g.set((CREDIT, KG.performer, WORK))
    g.remove((QUOTE, KG.inArticle, None))
    g.add((QUOTE, KG.speaker, ID["person/someone"]))
    _violates(g, "exactly one kg:role", "kg:performer, a schema:Person",
              "exactly one kg:inArticle", "at most one kg:speaker")


def test_ceremony_article_and_category_checks():
    g = valid_graph()
    g.add((CEREMONY, KG.host, ID["place/staples-center"]))
    g.remove((ARTICLE, SCHEMA.datePublished, None))
    g.remove((CATEGORY, KG.award, None))
    _violates(g, "kg:host (co-hosts are several) is a schema:Person",
              "schema:datePublished, an xsd:date",
              "kg:AwardCategory needs exactly one kg:award")


def test_shortcuts_must_match_the_fact_nodes():
    g = valid_graph()
    g.remove((PERSON, KG.wonAward, None))
    g.remove((PERSON, KG.actedIn, None))
    _violates(g, "kg:wonAward / kg:nominatedFor shortcut", "kg:actedIn shortcut")


def test_subclasses_come_from_the_ontology():
    """sh:class sees NewsMediaOrganization below Organization only through kg.ttl."""
    g = valid_graph()
    g.add((ARTICLE, KG.cites, PERSON))
    report = _violates(g, "kg:cites must point to")
    assert str(ID["organization/thr"]) not in report


# --- the build ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds_graph(seeds_build) -> Graph:
    graph = seeds_build.graph
    assert len(graph) > 100
    return graph


def test_the_seeds_build_conforms_as_written(seeds_graph):
    """What `kg build` writes to graph.ttl, read back, is what `kg validate` checks."""
    written = Graph().parse(data=seeds_graph.serialize(format="turtle"), format="turtle")
    conforms, report = validate(written)
    assert conforms, report


def test_the_seeds_build_conforms_in_memory(seeds_graph):
    """The graph as built, before serialisation (typed literals must hold proper values)."""
    conforms, report = validate(seeds_graph)
    assert conforms, report


def test_decimal_literals_need_a_decimal_value():
    """rdflib keeps a float value in Literal(0.9, datatype=XSD.decimal), and pyshacl's
    sh:datatype check rejects it; kg/rdf.py must build confidences from Decimal."""
    g = valid_graph()
    g.set((NOMINATION, KG.confidence, Literal(0.9, datatype=DECIMAL)))
    _violates(g, "kg:confidence must be a single xsd:decimal literal")
    g.set((NOMINATION, KG.confidence, Literal(Decimal("0.9"))))
    conforms, report = validate(g)
    assert conforms, report


# --- odd input (found by scripts/fuzz.py) -------------------------------------------


def _odd_build(tmp_path: Path):
    lines = [
        "Tomas Brandt won Outstanding Lead Actor in a Drama Series at the 72nd Primetime "
        "Emmy Awards.",
        # no display name at all
        "So proud of him pic.twitter.com/Ab1 \u2014 (@b) September 21, 2020",
        # handles no Twitter account can have: another script, too long
        "Gracias @\u00f1and\u00fa pic.twitter.com/Cd2 \u2014 Ada Quill (@\u00f1and\u00fa) "
        "September 21, 2020",
        "Bravo pic.twitter.com/Ef3 \u2014 Mirela Vos (@" + "m" * 20 + ") September 21, 2020",
        # a bidi override around the name, the text ending in a backslash and a quote
        'Ha \\" pic.twitter.com/Gh4 \\"\u2014 \u202eKito Marrow\u202c (@kito) '
        "September 21, 2020",
        "The 0th Emmys were a triumph for Ada Quill, who won best actress.",
        # the handle as the display name
        "Great night pic.twitter.com/Ij5 \u2014 @bo (@bo) September 21, 2020",
    ]
    (tmp_path / "odd.txt").write_text(" date 2020-09-21\n" + "\n\n".join(lines),
                                      encoding="utf-8")
    return build_graph([tmp_path])


def test_odd_tweet_signatures_and_ceremonies_build_a_conforming_graph(tmp_path):
    """An empty author, the handle as the author, a non-ASCII or over-long handle
    and a ceremony before the award's first edition are normalised or left out,
    never written invalid."""
    from kg.exports import export

    with _odd_build(tmp_path) as result:
        assert result.errors == []
        graph = result.graph
        turtle = export(result.database, "ttl")
    conforms, report = validate(graph)
    assert conforms, report
    written = Graph().parse(data=turtle.decode("utf-8"), format="turtle")
    assert len(written) == len(graph)
    assert sum(1 for _ in pyoxigraph.parse(turtle, format=pyoxigraph.RdfFormat.TURTLE)) == len(
        graph)
    accounts = {str(graph.value(a, KG.handle)): a for a in graph.subjects(RDF.type, KG.Account)}
    # the account with no display name is named by its handle and owned by nobody
    assert set(accounts) == {"b", "kito", "bo"}
    assert str(graph.value(accounts["b"], SCHEMA.name)) == "b"
    assert str(graph.value(accounts["bo"], SCHEMA.name)) == "@bo"  # as the embed shows it
    assert graph.value(accounts["b"], KG.account) is None
    assert str(graph.value(accounts["kito"], SCHEMA.name)) == "Kito Marrow"
    # the embeds signed with what is no Twitter handle are no tweets
    texts = sorted(str(graph.value(t, SCHEMA.text))
                   for t in graph.subjects(RDF.type, SCHEMA.SocialMediaPosting))
    assert texts == ["Great night pic.twitter.com/Ij5", 'Ha \\" pic.twitter.com/Gh4 \\"',
                     "So proud of him pic.twitter.com/Ab1"]
    # no ceremony numbered below 1
    assert all(int(o) >= 1 for o in graph.objects(None, KG.ordinal))
