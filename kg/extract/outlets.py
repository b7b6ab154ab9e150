"""News outlets an article cites: by name ("As first reported by
Variety"), after a citing cue ("told PEOPLE", "Photo courtesy: ..."), or as the
author of an embedded tweet (handled in resolution)."""

from __future__ import annotations

from collections.abc import Iterator

from kg.extract.context import ArticleContext, clean_text, known_name
from kg.extract.cue_phrases import cue_length
from kg.nlp import KNOWN_ORG, NETWORK, OUTLET
from kg.records import CitationFact, Ref


def extract_citations(ctx: ArticleContext) -> Iterator[CitationFact]:
    doc, gaz = ctx.doc, ctx.gaz
    toks = ctx.tokens
    for ent in ctx.ents:
        if ent.label_ == OUTLET and not ctx.tweet_at(ent):
            yield CitationFact(Ref("outlet", known_name(ent)), ctx.evidence(ent))
    for tok in toks:
        n = cue_length(doc, tok.i, "CITATION")
        if not n or ctx.tweet_at(tok):
            continue
        i = tok.i + n
        while i < len(doc) and toks[i].text in {":", "the", "The"}:
            i += 1
        # one name, or several joined by "and"
        while i < len(doc):
            j = i
            while j < len(doc) and (toks[j].text[:1].isupper() or toks[j].text in {"&", "+", "!"}):
                j += 1
            if j == i:
                break
            name = clean_text(doc[i:j].text)
            thing = gaz.lookup("outlet", name)
            if thing:
                yield CitationFact(Ref("outlet", thing.name), ctx.evidence(doc[i:j]))
            elif any(t.ent_type_ in (KNOWN_ORG, NETWORK, "ORG") for t in doc[i:j]) and \
                    not ctx.person_at(i):
                org = gaz.lookup("organization", name) or gaz.lookup("network", name)
                yield CitationFact(Ref("outlet", org.name if org else name),
                                   ctx.evidence(doc[i:j]))
            if j < len(doc) and toks[j].lower_ == "and":
                i = j + 1
                while i < len(doc) and toks[i].text in {"the", "The"}:
                    i += 1
                continue
            break
