"""Cross-article entity resolution: surface names -> one node per real entity.

"Maya Lindqvist", "Lindqvist" and "maya lindqvist" become one person; "Rob Hale"
and "Robert Hale" too (same surname, diminutive given name); "Paper Moons’"
and "Paper Moons" one work. Category paraphrases are narrowed to one
official category using the other facts about the same nominee and ceremony.
Nothing here knows about spaCy or RDF.

    names.py      name keys, slugs, which spelling names each person and work
    entities.py   the entities, each made once and found by any spelling
    facts.py      the facts between them, one function per kind of fact
    model.py      what comes out: the resolved ``Corpus``
"""

from __future__ import annotations

from kg.gazetteer import Gazetteer, load_gazetteer
from kg.records import ArticleFacts, CategoryRef
from kg.resolve import facts as link
from kg.resolve.entities import Entities
from kg.resolve.model import (
    ORG_KINDS,
    ArticleInfo,
    CeremonyDetails,
    Corpus,
    Credit,
    Entity,
    Nomination,
    ResolvedQuote,
    ResolvedTweet,
)
from kg.resolve.names import name_key, person_names, slugify, work_names


def resolve(facts: list[ArticleFacts], gaz: Gazetteer | None = None) -> Corpus:
    """Link every article's facts into one corpus of entities and facts."""
    corpus = Corpus(articles=[ArticleInfo(f.article_id, f.date) for f in facts])
    ents = Entities(corpus, gaz or load_gazetteer())
    ents.learn_names(facts)
    for f in facts:
        link.link_mentions(ents, f)
        link.link_tweets(ents, f)
        link.link_quotes(ents, f)
        link.link_citations(ents, f)
    link.link_tweet_handles(ents)
    link.merge_credits(ents, facts)
    link.vote_networks(ents, facts)
    link.merge_nominations(ents, facts)
    link.attach_characters(ents, facts)
    link.ceremony_details(ents, facts)
    return corpus


__all__ = ["ORG_KINDS", "ArticleInfo", "CategoryRef", "CeremonyDetails", "Corpus", "Credit",
           "Entities", "Entity", "Nomination", "ResolvedQuote", "ResolvedTweet", "name_key",
           "person_names", "resolve", "slugify", "work_names"]
