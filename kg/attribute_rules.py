"""The model's attribute ruler, matched a batch of Docs at a time.

spaCy's ``AttributeRuler`` (coarse tags, morphology and lemma exceptions from
fine tags, words and dependencies) runs a ``Matcher`` with some 180 patterns
over every token of every Doc: a tenth of the whole parse. Its patterns are
fixed-length token conditions (a tag, a word, a label in a set), which numpy
can test over the tokens of a whole batch at once. This component matches them
that way and hands the matches, in the ruler's own order, to the ruler's own
``set_annotations``: the Docs are the same, byte for byte (a test checks).

A model whose ruler uses anything else (operators, other attributes) keeps
spaCy's ruler unchanged (``compile_rules`` returns None).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from spacy.attrs import IDS
from spacy.language import Language
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc
from spacy.util import minibatch

# token attributes whose matcher value is what ``Doc.to_array`` gives: a string's
# hash, or a flag (POS and MORPH are not: the matcher compares them otherwise)
_STRING_ATTRS = {"ORTH", "TEXT", "LOWER", "NORM", "TAG", "DEP", "LEMMA", "SHAPE"}
_FLAG_ATTRS = {"IS_SPACE", "IS_PUNCT", "IS_ALPHA", "IS_DIGIT", "IS_TITLE", "IS_UPPER",
               "IS_LOWER", "LIKE_NUM"}


@dataclass(frozen=True)
class _Test:
    """One condition on one attribute: its value in ``values`` (or not, for
    NOT_IN)."""

    column: int
    values: tuple[int, ...]
    negate: bool
    # instead of ``values``: a pattern the attribute's string must contain
    regex: str | None = None


@dataclass(frozen=True)
class _Rule:
    """A ruler pattern key: its number (the ruler applies keys in this order),
    its match id, and its alternatives, each a list of per-token tests."""

    number: int
    match_id: int
    alternatives: tuple[tuple[tuple[_Test, ...], ...], ...]


@dataclass(frozen=True)
class CompiledRules:
    columns: tuple[int, ...]
    rules: tuple[_Rule, ...]


def compile_rules(ruler: AttributeRuler) -> CompiledRules | None:
    """The ruler's patterns as column tests, or None if one of them is beyond
    what this component matches."""
    strings = ruler.vocab.strings
    columns: list[int] = []
    rules = []
    for number in range(len(ruler.attrs)):
        key = str(number)
        alternatives = []
        for pattern in ruler.matcher.get(key)[1]:
            tokens = []
            for spec in pattern:
                tests = _compile_spec(spec, columns, strings)
                if tests is None:
                    return None
                tokens.append(tests)
            if not tokens:
                return None
            alternatives.append(tuple(tokens))
        rules.append(_Rule(number, strings[key], tuple(alternatives)))
    return CompiledRules(tuple(columns), tuple(rules))


def _compile_spec(spec: dict, columns: list[int], strings) -> tuple[_Test, ...] | None:
    tests = []
    for name, wanted in spec.items():
        name = name.upper()
        if name not in _STRING_ATTRS | _FLAG_ATTRS:
            return None
        attr = IDS["ORTH" if name == "TEXT" else name]
        if attr not in columns:
            columns.append(attr)
        negate = False
        if isinstance(wanted, dict) and list(wanted) == ["REGEX"] and name in _STRING_ATTRS:
            tests.append(_Test(columns.index(attr), (), False, str(wanted["REGEX"])))
            continue
        if isinstance(wanted, dict):
            if len(wanted) != 1 or next(iter(wanted)) not in ("IN", "NOT_IN"):
                return None
            negate = "NOT_IN" in wanted
            wanted = next(iter(wanted.values()))
        else:
            wanted = [wanted]
        values = []
        for value in wanted:
            if name in _FLAG_ATTRS and isinstance(value, bool):
                values.append(int(value))
            elif name in _STRING_ATTRS and isinstance(value, str):
                values.append(strings.add(value))
            else:
                return None
        tests.append(_Test(columns.index(attr), tuple(values), negate))
    return tuple(tests)


class BatchedAttributeRuler:
    """Applies an ``AttributeRuler``'s patterns, matched with numpy over a
    batch of Docs (see the module docstring)."""

    def __init__(self, ruler: AttributeRuler | None = None,
                 rules: CompiledRules | None = None) -> None:
        self.ruler, self.rules = ruler, rules

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for batch in minibatch(docs, batch_size):
            for doc, matches in zip(batch, self.match(batch), strict=True):
                self.ruler.set_annotations(doc, matches)
                yield doc

    def match(self, docs: list[Doc]) -> list[list[tuple[int, int, int, int]]]:
        """Each Doc's matches as the ruler's ``match`` gives them: (pattern
        number, match id, start, end), sorted."""
        assert self.ruler is not None and self.rules is not None
        out: list[list[tuple[int, int, int, int]]] = [[] for _ in docs]
        lengths = np.array([len(d) for d in docs], dtype=np.int64)
        total = int(lengths.sum())
        if total == 0:
            return out
        table = np.concatenate([d.to_array(list(self.rules.columns)).reshape(len(d), -1)
                                for d in docs if len(d)])
        doc_of = np.repeat(np.arange(len(docs)), lengths)
        first = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        seen: dict[_Test, np.ndarray] = {}
        strings = self.ruler.vocab.strings

        def holds(test: _Test) -> np.ndarray:
            mask = seen.get(test)
            if mask is None:
                column = table[:, test.column]
                if test.regex is not None:  # as the matcher does: re.search on the string
                    found = [v for v in np.unique(column).tolist()
                             if re.search(test.regex, strings[v])]
                    mask = np.isin(column, found)
                else:
                    mask = (column == test.values[0] if len(test.values) == 1
                            else np.isin(column, test.values))
                seen[test] = mask = ~mask if test.negate else mask
            return mask

        for rule in self.rules.rules:
            for alternative in rule.alternatives:
                width = len(alternative)
                if width > total:
                    continue
                span = total - width + 1
                mask = np.ones(span, dtype=bool)
                for offset, tests in enumerate(alternative):
                    for test in tests:
                        mask &= holds(test)[offset : offset + span]
                if width > 1:  # not across two Docs
                    mask &= doc_of[:span] == doc_of[width - 1 :]
                for at in np.flatnonzero(mask).tolist():
                    d = int(doc_of[at])
                    start = at - int(first[d])
                    out[d].append((rule.number, rule.match_id, start, start + width))
        for matches in out:
            matches.sort()
        return out


@Language.factory("kg_attribute_ruler")
def make_batched_attribute_ruler(nlp: Language, name: str) -> BatchedAttributeRuler:
    """An empty component; ``use_batched_attribute_ruler`` gives it its ruler."""
    return BatchedAttributeRuler()


def use_batched_attribute_ruler(nlp: Language, name: str = "attribute_ruler") -> bool:
    """Put the batched ruler in place of the model's ``name`` component, with
    the same name (False, and nothing changed, when its patterns are beyond it)."""
    if name not in nlp.pipe_names:
        return False
    ruler = nlp.get_pipe(name)
    if not isinstance(ruler, AttributeRuler):
        return False
    rules = compile_rules(ruler)
    if rules is None:
        return False
    batched = nlp.replace_pipe(name, "kg_attribute_ruler")
    batched.ruler, batched.rules = ruler, rules
    # ``np.isin`` (``match``) imports ``numpy.ma`` when first called: imported
    # now, before a build's workers fork, rather than by each of them (15 ms
    # of each one's first batch)
    import numpy.ma  # noqa: F401
    return True
