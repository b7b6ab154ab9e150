"""Property tests: no article text, however odd, breaks extraction or the graph.

Hypothesis writes article texts from invented-name sentences, hostile
fragments (odd Unicode, stray quotes, markup, Turtle and SPARQL syntax, absurd
ceremonies), tweet attributions with odd authors and handles, and random
Unicode, and checks what ``scripts/fuzz.py`` checks on a large batch:

- extraction (both passes), resolution and the quads of one article raise
  nothing, and the quads survive N-Quads in rdflib and Oxigraph;
- a small batch built as ``kg build`` builds it reports no extraction failure,
  and its Turtle parses in rdflib and Oxigraph and conforms to the shapes.

The spaCy model is loaded once per process (``kg.nlp.load_pipeline`` caches
it). No example database is written (``database=None``); under CI the
examples are derandomised, so a run is repeatable there and exploratory here.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from pathlib import Path

import pyoxigraph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Graph

from kg.articles import Article
from kg.builder import build_graph
from kg.exports import export
from kg.extract.context import ArticleContext
from kg.extract.known_works import KnownWorks
from kg.gazetteer import fold, load_gazetteer
from kg.nlp import load_pipeline, parse
from kg.pipeline import extract_article, first_pass, nlp_text
from kg.rdf import corpus_quads
from kg.records import ArticleFacts
from kg.resolve import resolve
from kg.validate import validate

_IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
FUZZ = settings(deadline=None, database=None, derandomize=_IN_CI,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ONE_ARTICLE = settings(FUZZ, max_examples=60)
BATCHES = settings(FUZZ, max_examples=15)  # each a build and a SHACL run: seconds apiece

# --- the strategies (invented names only) ----------------------------------------------

PEOPLE = ("Tomas Brandt", "Ada Quill", "Mirela Vos", "Kito Marrow", "Selma Thorsby")
WORKS = ("Copper Lake", "The Salt Orchard", "Glass Meridian")
AWARDS = ("72nd Primetime Emmy Awards", "Emmys", "93rd Academy Awards", "Oscars",
          "Grammy Awards", "2021 Tony Awards", "SAG Awards")
CATEGORIES = ("best actor", "Outstanding Lead Actress in a Drama Series", "Best Picture",
              "Album of the Year", "best supporting actress")
TEMPLATES = (
    "{p} won {c} for {w} at the {a}.",
    "{p} was nominated for {c} at the {a}, alongside {q}.",
    "{p} beat out {q} for {c}.",
    "\u201cThis one is for the crew,\u201d {p} said.",
    "{p} said: \u201cWe will be back",
    "{w} star {p} thanked {q}.",
    "{p} plays Marisol in HBO's {w}.",
    "Fellow nominees included {q} and {p}.",
    "{p} ({w}) \u2014 WON",
    "The ceremony was hosted by {p} at the Copper Lake Theatre on Sunday.",
    "According to Variety, {p} won {c}.",
)
HOSTILE = (
    '"""', '\\"', "> .", "<http://x>", "@prefix x: <http://y> .", "'''", "_:b0",
    "} ; DROP ALL ; {", "SELECT * WHERE { ?s ?p ?o }", "\\", "<script>alert(1)</script>",
    "</p>", "&amp;", "\u202e", "\u200b", "\u200d", "\ufeff", "\x07", "\x1b", "\x85", "\u2028",
    "\r", "\u0301\u0336", "\U0001f469\u200d\U0001f469\u200d\U0001f467", "\uff34\uff4f\uff4d",
    "\u201c", "\u201d", "\u2018", "\u2019", "'", '"', "\u00ab", "\u300c", "`",
    "the 9999th Academy Awards", "the 0th Emmys", "the 1925 Oscars", "the 999th Grammys",
    "a" * 400, "#" + "Tag" * 60, "@" + "y" * 40, "pic.twitter.com/" + "A" * 80,
    "\n", "\n\n", "\n\n\n\n", " date 2021-01-01 ",
)


@st.composite
def template_sentences(draw: st.DrawFn) -> str:
    p, q = draw(st.permutations(PEOPLE))[:2]
    return draw(st.sampled_from(TEMPLATES)).format(
        p=p, q=q, w=draw(st.sampled_from(WORKS)), a=draw(st.sampled_from(AWARDS)),
        c=draw(st.sampled_from(CATEGORIES)))


# any character a UTF-8 file can hold, but NUL (a file with one is refused as binary)
odd_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                   max_size=60)


@st.composite
def tweet_attributions(draw: st.DrawFn) -> str:
    """An embedded tweet, its author and handle anything from a real name to junk."""
    text = draw(st.one_of(template_sentences(), odd_text))
    if draw(st.booleans()):
        text += ' \\"' if draw(st.booleans()) else '"'
    handle = draw(st.one_of(st.sampled_from(("b", "ada_q", "\u00f1and\u00fa", "h" * 16,
                                             "h" * 31, "_")),
                            st.text(st.characters(categories=("L", "N", "Pc")), min_size=1,
                                    max_size=40)))
    author = draw(st.one_of(st.sampled_from(("", " ", *PEOPLE, "\u202eAda Quill\u202c",
                                             f"@{handle}")),
                            odd_text.filter(lambda a: "\n" not in a)))
    date = f"{draw(st.sampled_from(('September', 'Sept.', 'May')))} {draw(st.integers(1, 31))}, " \
           f"{draw(st.integers(1900, 2100))}"
    link = " pic.twitter.com/Ab12" if draw(st.booleans()) else ""
    sep = draw(st.sampled_from((" ", "\n", "\t", "  ")))
    return f"{text}{link}{sep}\u2014 {author} (@{handle}) {date}"


fragments = st.one_of(template_sentences(), st.sampled_from(HOSTILE), tweet_attributions(),
                      odd_text)
bodies = st.lists(fragments, min_size=1, max_size=12).map(
    lambda parts: " ".join(parts)).filter(lambda body: body.strip())

# --- extraction of one article ------------------------------------------------------------


def _article(body: str, name: str = "fuzz") -> Article:
    head = " date 2021-09-20\n"
    return Article(id=name, path=Path(f"{name}.txt"), date=dt.date(2021, 9, 20),
                   text=head + body, body_start=len(head))


def _extract(article: Article) -> ArticleFacts:
    """Both passes over one article, as ``kg.passes`` runs them (without the
    exception handler that turns a failure into a reported error)."""
    doc = next(parse(load_pipeline(), [nlp_text(article.body)]))
    gaz = load_gazetteer()
    ctx, hits = first_pass(ArticleContext(article=article, doc=doc, gaz=gaz))
    known = KnownWorks({fold(hit.title): hit.title for hit in hits})
    return extract_article(ctx, hits, known)


@ONE_ARTICLE
@given(bodies)
def test_extraction_and_quads_survive_any_text(body):
    article = _article(body)
    facts = _extract(article)
    evidence = [m.evidence for m in facts.mentions] + [t.evidence for t in facts.tweets] + [
        q.evidence for q in facts.quotes] + [n.evidence for n in facts.nominations]
    for ev in evidence:  # the shapes want 0 <= start < end, and the text must match
        assert 0 <= ev.start < ev.end <= len(article.text)
        assert article.text[ev.start : ev.end] == ev.sentence
    quads = set(corpus_quads(resolve([facts])))
    data = io.BytesIO()
    pyoxigraph.serialize(quads, data, pyoxigraph.RdfFormat.N_QUADS)
    assert set(pyoxigraph.parse(data.getvalue(), format=pyoxigraph.RdfFormat.N_QUADS)) == quads
    dataset = Dataset().parse(data=data.getvalue().decode("utf-8"), format="nquads")
    assert len(set(dataset.quads((None, None, None, None)))) == len(quads)


def test_the_helper_lets_extraction_errors_through(monkeypatch):
    """``_extract`` must raise what extraction raises (a build would report it
    and carry on), or the property above could not fail."""
    from kg import pipeline

    def broken(ctx):
        raise IndexError("string index out of range")

    monkeypatch.setattr(pipeline, "extract_quotes", broken)
    try:
        _extract(_article("Ada Quill won best actor."))
    except IndexError:
        return
    raise AssertionError("the extraction error was swallowed")


# --- a small batch built to RDF ---------------------------------------------------------------


@BATCHES
@given(st.lists(bodies, min_size=1, max_size=3))
def test_a_built_batch_parses_and_conforms(batch):
    with tempfile.TemporaryDirectory(prefix="kg-fuzz-test-") as tmp:
        folder = Path(tmp)
        for i, body in enumerate(batch):
            (folder / f"a{i}.txt").write_text(_article(body).text, encoding="utf-8")
        with build_graph([folder]) as result:
            assert [e.problem for e in result.errors] == []
            assert result.articles == len(batch)
            turtle = export(result.database, "ttl")
            in_memory = result.graph
    graph = Graph().parse(data=turtle.decode("utf-8"), format="turtle")
    assert len(graph) == len(in_memory)
    assert sum(1 for _ in pyoxigraph.parse(turtle, format=pyoxigraph.RdfFormat.TURTLE)) \
        == len(graph)
    conforms, report = validate(graph)
    assert conforms, report
