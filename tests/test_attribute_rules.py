"""The batched attribute ruler gives the same Docs as spaCy's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.articles import load_articles
from kg.attribute_rules import compile_rules, use_batched_attribute_ruler
from kg.nlp import load_model
from kg.passes import doc_bytes

ROOT = Path(__file__).resolve().parent.parent

# invented sentences that reach the ruler's exceptions: contractions, "there
# is", auxiliaries as main verbs, "nothin'", spaces and line breaks
SENTENCES = [
    "Ada Quill didn't win, but she's got the Harbor Prize next year.",
    "There were three nominees; there is one winner. Y'all know nothin' yet!",
    "Tomas Brandt does what he did before:  he has a plan, and he gets it done.",
    "Which show won?\n\nThat one, the one that Noor Okafor wrote.",
    "",
    "   ",
    "Lantern Daily said it can't and won't happen again, ain't it?",
]


@pytest.fixture(scope="module")
def models():
    plain, batched = load_model(), load_model()
    assert use_batched_attribute_ruler(batched)
    return plain, batched


def test_same_docs_as_spacys_ruler(models) -> None:
    plain, batched = models
    articles, _ = load_articles([ROOT / "seeds"])
    texts = [*SENTENCES, *(a.body for a in articles)]
    expected = [doc_bytes(d) for d in plain.pipe(texts)]
    assert [doc_bytes(d) for d in batched.pipe(texts, batch_size=3)] == expected
    # one Doc at a time, as a long article's pieces are parsed
    assert [doc_bytes(batched(t)) for t in texts] == expected


def test_exceptions_apply(models) -> None:
    _, batched = models
    doc = batched("She didn't go, and he's got it.")
    assert [(t.text, t.lemma_) for t in doc if t.text in ("n't", "got")] == \
        [("n't", "not"), ("got", "get")]
    assert all(t.pos_ for t in doc)


def test_patterns_beyond_it_keep_spacys_ruler() -> None:
    nlp = load_model()
    ruler = nlp.get_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "very", "OP": "+"}]], {"LEMMA": "very"})
    assert compile_rules(ruler) is None
    assert not use_batched_attribute_ruler(nlp)
    assert nlp.get_pipe("attribute_ruler") is ruler
