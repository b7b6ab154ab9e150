"""Cross-article entity resolution: surface names -> one node per real entity.

"Maya Lindqvist", "Lindqvist" and "maya lindqvist" become one person; "Rob Hale"
and "Robert Hale" too (same surname, diminutive given name); "Paper Moons’"
and "Paper Moons" one work. Category paraphrases are narrowed to one
official category using the other facts about the same nominee and ceremony.
Nothing here knows about spaCy or RDF.

    names.py      name keys, slugs, which spelling names each person and work
    entities.py   the entities, each made once and found by any spelling
    facts.py      the facts between them, one function per kind of fact
    parts.py      resolution as a merge of parts: one per article, one per set
                  of coupled nominees (what an incremental store keeps)
    model.py      what comes out: the resolved ``Corpus``
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from kg.gazetteer import Gazetteer, load_gazetteer
from kg.records import ArticleFacts, CategoryRef
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
from kg.resolve.parts import resolve_whole


def resolve(facts: Collection[ArticleFacts], gaz: Gazetteer | None = None,
            consume: bool = False, spill: bool | Path = False) -> Corpus:
    """Link every article's facts into one corpus of entities and facts (see
    ``kg.resolve.parts``: a store resolves the same corpus a part at a time;
    ``resolve_whole`` says which collections of facts it takes).
    ``consume`` empties ``facts`` as soon as they are no longer needed;
    ``spill`` keeps the per-article links in files (``Corpus.spilled``, in
    that folder when it is one: for a caller that only writes the graph;
    close it when done)."""
    return resolve_whole(facts, gaz or load_gazetteer(), consume, spill)


__all__ = ["ORG_KINDS", "ArticleInfo", "CategoryRef", "CeremonyDetails", "Corpus", "Credit",
           "Entities", "Entity", "Nomination", "ResolvedQuote", "ResolvedTweet", "name_key",
           "person_names", "resolve", "slugify", "work_names"]
