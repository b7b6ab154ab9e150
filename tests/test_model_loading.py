"""kg loads the model without its tokenizer and makes the tokenizer once, with
kg's infixes, from the model's files: the same tokenizer as the model's own
with the infixes set after loading, and a model whose tokenizer cannot be
read that way is loaded as it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, registry

from kg.nlp import _MORE_INFIXES, load_model

ROOT = Path(__file__).resolve().parent.parent

# invented text that reaches the infixes: glued words, a hashtag glued to a
# sentence's end, hyphens, a contraction
TEXT = ("The Night ShiftHarbor star Ada Quill won!#Proud Tomas Brandt's well-made "
        "drama didn't lose; Noor Okafor said so.")


def _set_after_loading(name: str | None = None):
    nlp = load_model(name)
    nlp.tokenizer.infix_finditer = compile_infix_regex(
        [*nlp.Defaults.infixes, *_MORE_INFIXES]).finditer
    return nlp


@pytest.fixture(scope="module")
def slow():
    return _set_after_loading()


def test_tokenizer_made_from_the_files_is_the_models_own(slow) -> None:
    fast = load_model(infixes=_MORE_INFIXES)
    assert fast.tokenizer.to_bytes() == slow.tokenizer.to_bytes()
    words = [t.text for t in fast(TEXT)]
    assert words == [t.text for t in slow(TEXT)]
    assert words[2:4] == ["Shift", "Harbor"] and words[7:9] == ["won!", "#Proud"]
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    for doc_fast, doc_slow in zip(fast.pipe(texts), slow.pipe(texts), strict=True):
        assert [t.text for t in doc_fast] == [t.text for t in doc_slow]
        assert [(e.text, e.label_) for e in doc_fast.ents] == \
            [(e.text, e.label_) for e in doc_slow.ents]


@registry.tokenizers("test.own_tokenizer.v1")
def _own_tokenizer():
    """A tokenizer of a model's own making (here spaCy's, made another way)."""
    return lambda nlp: Tokenizer(nlp.vocab)


def test_a_model_with_a_tokenizer_of_its_own_is_loaded_as_it_is(slow, tmp_path) -> None:
    # its tokenizer is made by its own function and read from its files, and
    # kg's infixes are set after loading
    folder = tmp_path / "model"
    slow.to_disk(folder)
    config = (folder / "config.cfg").read_text(encoding="utf-8")
    assert '@tokenizers = "spacy.Tokenizer.v1"' in config
    (folder / "config.cfg").write_text(
        config.replace('"spacy.Tokenizer.v1"', '"test.own_tokenizer.v1"'), encoding="utf-8")
    nlp = load_model(str(folder), infixes=_MORE_INFIXES)
    assert nlp.config["nlp"]["tokenizer"]["@tokenizers"] == "test.own_tokenizer.v1"
    assert nlp.tokenizer.to_bytes() == slow.tokenizer.to_bytes()
    assert nlp.pipe_names == slow.pipe_names
