"""Quotations and who said them.

``find_quote_spans`` (``kg.extract.quote_spans``) finds the words between one
pair of quotation marks; a quote reopened in the next paragraph continues the
same speaker.

``extract_quotes`` keeps only spans a speech cue introduces ("he said",
"King said", "the actor added:"), so scare quotes and titles in quotation
marks are not taken for quotations. Quotes inside embedded tweets are tweets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spacy.tokens import Span, Token

from kg.extract.context import ArticleContext, PersonMention, clean_text, subject_core
from kg.extract.quote_spans import find_quote_spans
from kg.records import Quote, Ref


def _looks_like_title(words: str) -> bool:
    tokens = re.findall(r"[\w'’]+", words)
    content = [t for t in tokens if t.casefold() not in
               {"a", "an", "the", "in", "of", "for", "or", "and", "to", "on", "at", "by"}]
    return bool(content) and len(tokens) <= 12 and all(t[0].isupper() or t[0].isdigit()
                                                       for t in content)


def _speaker_from_subject(ctx: ArticleContext, verb: Token, quote_tok: int
                          ) -> tuple[PersonMention | None, float]:
    cues = ctx.cues
    head = verb
    for _ in range(4):
        subj = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is not None:
            person = ctx.person_at(subj.i)
            if person is None:
                person = next((ctx.person_at(t.i) for t in subject_core(subj)
                               if ctx.person_at(t.i)),
                              None)
            if person is not None:
                return person, 1.0
            if subj.lower_ in cues.words("pronouns") or subj.lemma_.lower() in cues.words(
                    "role_nouns"):
                # whom "he" means is settled where "he" stands: "He thanked Ivo
                # for “...”" is not about Ivo, named between the pronoun and the quote
                return ctx.focus_before(min(subj.i, quote_tok), pronoun=subj.lower_), 0.8
            name = _proper_name(subj)
            if name is not None:  # "RM said": a stage name the model did not tag
                return PersonMention(name.start, name.end, clean_text(name.text)), 0.8
            return None, 0.5
        if head.head.i == head.i:
            break
        head = head.head
    return ctx.focus_before(quote_tok), 0.6


def _proper_name(subj: Token) -> Span | None:
    """The subject as a name: proper nouns only, one to four of them."""
    doc = subj.doc
    tokens = [t for t in subject_core(subj) if t.dep_ in ("compound", "flat") or t.i == subj.i]
    if not tokens or len(tokens) > 4 or any(t.pos_ != "PROPN" or not t.text[:1].isupper()
                                            for t in tokens):
        return None
    # "J-Kay": a hyphen glued to both parts belongs to the name
    inside = [t for t in doc[tokens[0].i : tokens[-1].i + 1] if t not in tokens]
    if any(t.text != "-" or t.whitespace_ or doc[t.i - 1].whitespace_ for t in inside):
        return None
    if subj.ent_type_ not in ("", "PERSON", "ORG", "NORP", "WORK_OF_ART", "PRODUCT"):
        return None  # the model's label is weak on stage names; a date or number never speaks
    return doc[tokens[0].i : tokens[-1].i + 1]


_CONTEXT_TOKENS = 60  # how far from a quote its speech verb is looked for


def extract_quotes(ctx: ArticleContext) -> Iterator[Quote]:
    doc, cues = ctx.doc, ctx.cues
    speech = cues.words("speech_lemmas")
    spans = find_quote_spans(ctx.text)
    last: tuple[PersonMention | None, int] | None = None  # speaker, paragraph end
    index = 0
    for q in spans:
        span = doc.char_span(q.start, q.end, alignment_mode="expand")
        if span is None or len(span) == 0:
            continue
        words = ctx.text[q.start : q.end].strip()
        if ctx.tweet_at(span) or _looks_like_title(words) or len(words) < 2:
            continue
        # the sentences around the quote, including the one just before or after it
        # ("...?” he asked" is often split off as a sentence of its own)
        first_sent, last_sent = doc[span.start].sent, doc[span.end - 1].sent
        if not ctx.text[first_sent.start_char : q.start].strip(" \"“‘'") and first_sent.start:
            prev = doc[first_sent.start - 1].sent
            if "\n" not in ctx.text[prev.end_char - 1 : q.start]:
                first_sent = prev
        if not ctx.text[q.end : last_sent.end_char].strip(" \"”’'.,?!") and \
                last_sent.end < len(doc):
            nxt = doc[last_sent.end].sent
            if "\n" not in ctx.text[q.end : nxt.start_char + 1]:
                last_sent = nxt
        # the cue sits near the quote: a window, so one endless sentence stays linear
        lo = max(first_sent.start, span.start - _CONTEXT_TOKENS)
        hi = min(last_sent.end, span.end + _CONTEXT_TOKENS)
        context = [t for t in doc[lo:hi] if not ctx.in_quote(t.i)]
        verbs = [t for t in context if t.lemma_.lower() in speech and t.pos_ in ("VERB", "AUX")]
        speaker: PersonMention | None = None
        confidence = 1.0
        para_end = ctx.text.find("\n", q.end)
        para_end = len(ctx.text) if para_end < 0 else para_end
        colon = ctx.text[:max(q.start - 1, 0)].rstrip().endswith(":")
        if verbs:
            verb = min(verbs, key=lambda t: min(abs(t.i - span.start), abs(t.i - span.end)))
            speaker, confidence = _speaker_from_subject(ctx, verb, span.start)
        elif colon and span.start > 0:
            # "Wren, who edged out X, kept it brief: “...”": the speaker is the
            # subject of the clause that introduces the quote
            intro = doc[span.start - 1].sent
            speaker, confidence = _speaker_from_subject(ctx, intro.root, span.start)
            confidence = min(confidence, 0.8)
        elif last is not None and (q.continued or q.start < last[1]):
            speaker, confidence = last[0], 0.7
        else:
            last = None
            continue
        last = (speaker, para_end)
        ref = Ref("person", speaker.name) if speaker else None
        # the evidence keeps the quotation marks; a quote left open at the end of
        # the text has no closing mark to keep (one past it is past the text)
        ev = ctx.evidence_chars(min(first_sent.start_char, q.start - 1),
                                max(last_sent.end_char, q.end + (1 if q.closed else 0)))
        yield Quote(text=words, speaker=ref, evidence=ev, index=index, confidence=confidence)
        index += 1
