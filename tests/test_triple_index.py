"""kg.triple_index: a graph's triples held for reading answer as an rdflib graph does."""

from __future__ import annotations

from itertools import product

import pyoxigraph
from rdflib import RDF, BNode, Graph, Literal, URIRef

from kg.triple_index import TripleIndex
from kg.vocab import ID, KG, SCHEMA

ADA, IVO, HARBOR = ID["person/ada-quill"], ID["person/ivo-marsh"], ID["work/tin-harbor"]
NOMINATION = ID["nomination/1"]
TRIPLES = [
    (ADA, RDF.type, SCHEMA.Person),
    (ADA, SCHEMA.name, Literal("Ada Quill")),
    (ADA, SCHEMA.alternateName, Literal("A. Quill", lang="en")),
    (IVO, RDF.type, SCHEMA.Person),
    (IVO, SCHEMA.name, Literal("Ivo Marsh")),
    (HARBOR, RDF.type, SCHEMA.CreativeWork),
    (NOMINATION, KG.nominee, ADA),
    (NOMINATION, KG.nominee, IVO),
    (NOMINATION, KG.forWork, HARBOR),
    (NOMINATION, KG.won, Literal(True)),
    (NOMINATION, KG.confidence, Literal("0.9", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#decimal"))),
    (BNode("b1"), KG.handle, Literal("adaquill")),
]


def test_every_question_is_answered_as_rdflib_answers_it():
    graph = Graph()
    index = TripleIndex()
    for t in TRIPLES + TRIPLES[:3]:  # a triple added twice is held once
        graph.add(t)
        index.add(*t)
    assert len(index) == len(graph) == len(TRIPLES)
    assert sorted(index) == sorted(graph)
    terms = [None, ADA, IVO, NOMINATION, RDF.type, KG.nominee, SCHEMA.name, SCHEMA.Person,
             Literal("Ada Quill"), Literal(True), BNode("b1"), ID["nobody"]]
    for s, p, o in product(terms, repeat=3):
        assert sorted(index.triples(s, p, o)) == sorted(graph.triples((s, p, o))), (s, p, o)
        assert ((s, p, o) in index) == ((s, p, o) in graph), (s, p, o)
    for a, b in product(terms, repeat=2):
        assert sorted(index.objects(a, b)) == sorted(graph.objects(a, b)), (a, b)
        assert sorted(index.subjects(a, b)) == sorted(graph.subjects(a, b)), (a, b)
    for t in terms:
        if t is not None:
            assert sorted(index.subject_objects(t)) == sorted(graph.subject_objects(t))
            assert sorted(index.predicate_objects(t)) == sorted(graph.predicate_objects(t))
    assert sorted(TripleIndex.of_graph(graph)) == sorted(graph)


def test_answers_come_one_per_triple_in_the_order_the_triples_came_grouped():
    index = TripleIndex([(NOMINATION, KG.nominee, IVO), (NOMINATION, KG.nominee, ADA),
                         (ADA, RDF.type, SCHEMA.Person), (HARBOR, RDF.type, SCHEMA.Movie),
                         (IVO, RDF.type, SCHEMA.Person)])
    assert list(index.objects(NOMINATION, KG.nominee)) == [IVO, ADA]
    assert list(index.subjects(KG.nominee)) == [NOMINATION, NOMINATION]  # one per triple
    # the subjects of a predicate come object by object, each in the order it came
    assert list(index.subjects(RDF.type)) == [ADA, IVO, HARBOR]


def test_a_file_of_named_graphs_is_read_merged_with_rdflibs_terms(tmp_path):
    """The named graphs of an N-Quads file merge (a triple in two graphs is held
    once); its terms are rdflib's, each distinct one made once."""
    lines = [
        f"<{ADA}> <{SCHEMA.name}> \"Ada Quill\" <{ID['graph/a']}> .",
        f"<{ADA}> <{SCHEMA.name}> \"Ada Quill\" <{ID['graph/b']}> .",
        f"<{NOMINATION}> <{KG.nominee}> <{ADA}> <{ID['graph/b']}> .",
        f"<{NOMINATION}> <{KG.won}> \"true\"^^<http://www.w3.org/2001/XMLSchema#boolean> .",
        f"<{ADA}> <{SCHEMA.alternateName}> \"A. Quill\"@en .",
    ]
    path = tmp_path / "graph.nq"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    index = TripleIndex.read(path, pyoxigraph.RdfFormat.N_QUADS)
    assert len(index) == 4
    assert list(index.objects(ADA, SCHEMA.name)) == [Literal("Ada Quill")]
    assert list(index.objects(NOMINATION, KG.won)) == [Literal(True)]
    assert list(index.objects(ADA, SCHEMA.alternateName)) == [Literal("A. Quill", lang="en")]
    nominee = next(index.objects(NOMINATION, KG.nominee))
    assert nominee == ADA and nominee is next(index.subjects(SCHEMA.name))
    store = pyoxigraph.Store()
    store.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.N_QUADS)
    assert sorted(TripleIndex.read(store)) == sorted(index)
