"""Resolution as a merge of parts resolved apart (see docs/incremental.md).

An *article part* links one article's own facts (mentions, tweets, quotations,
citations, and its votes for networks and ceremony details); a *component part*
links the credits, nominations and characters of a set of nominees and people
whose facts are coupled (named in one sentence, or as each other's costar).
Every part is linked with the whole corpus's name maps and gives its entities
provisional ids (kind and key) and ranks; ``merge`` joins the parts into one
``Corpus``: an entity's first spelling and first evidence are those of smallest
rank over all parts, its aliases the union, and ids sharing a slug are numbered
by rank. A part depends only on its own facts and the name maps, so a store
can keep parts and recompute only those an added article touches.
"""

from __future__ import annotations

import dataclasses
import pickle
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.gazetteer import Gazetteer
from kg.records import ArticleFacts, Evidence, SharedReader
from kg.resolve import facts as link
from kg.resolve.entities import Entities, id_base
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
from kg.resolve.names import PeopleNames, WorkNames, name_key
from kg.resolve.settle import (
    FactKey,
    Records,
    article_records,
    components,
    members,
    settle,
    unit_facts,
    units,
)
from kg.resolve.sorting import sort_credits, sort_nominations
from kg.resolve.spill import SLICE_ARTICLES, SpilledLinks

_LAST = (chr(0x10FFFF),)  # ranks sort below this
_EMPTIED: tuple = ()  # what ``only_owned`` leaves in the fields it empties


@dataclass(frozen=True)
class NameMaps:
    """Which spelling names each work (by name key) and each person."""

    works: dict[str, str]
    people: dict[str, str | None]


def name_maps(facts: list[ArticleFacts], gaz: Gazetteer) -> NameMaps:
    """The corpus's name maps (which spelling names each work and person)."""
    return maps_from_counts(*name_counts(facts), gaz)


def name_counts(facts: Iterable[ArticleFacts]
                ) -> tuple[Counter[str], Counter[str], Counter[tuple]]:
    """The corpus's work names, people's names and tweet authors, counted (see
    ``article_names``)."""
    works: Counter[str] = Counter()
    people: Counter[str] = Counter()
    authors: Counter[tuple] = Counter()
    for f in facts:
        w, p, a = article_names(f)
        works.update(w)
        people.update(p)
        authors.update(a)
    return works, people, authors


def article_names(f: ArticleFacts) -> tuple[Counter[str], Counter[str], Counter[tuple]]:
    """What one article adds to the corpus's name counts: work names, people's
    names, and tweet authors (whose kind depends on the works)."""
    works: Counter[str] = Counter()
    people: Counter[str] = Counter()
    for m in f.mentions:
        if m.ref.kind == "work":
            works[m.ref.name] += 1
        elif m.ref.kind == "person":
            people[m.ref.name] += 1
    for x in [*f.credits, *f.airs]:
        works[x.work.name] += 1
    for n in f.nominations:
        if n.work:
            works[n.work.name] += 1
    authors = Counter((t.author, t.handle) for t in f.tweets)
    return works, people, authors


def maps_from_counts(works: Counter[str], people: Counter[str], authors: Counter[tuple],
                     gaz: Gazetteer) -> NameMaps:
    """The name maps from the corpus's counts: works first, then people (a
    tweet's author is a person only if the name is not a work's)."""
    work_book, people_book, _ = kept_names(works, people, authors, gaz)
    return NameMaps(work_book.canon, people_book.canon)


def kept_names(works: Counter[str], people: Counter[str], authors: Counter[tuple],
               gaz: Gazetteer) -> tuple[WorkNames, PeopleNames, Counter[str]]:
    """The name maps as a store keeps them, to update at each add: the works'
    and people's (these with the tweet authors whose accounts are people's),
    and those authors' counts (``personal_authors``)."""
    work_book = WorkNames()
    work_book.update(works)
    personal = personal_authors(authors, work_book.canon, gaz)
    people_book = PeopleNames()
    people_book.update(people + personal, gaz)
    return work_book, people_book, personal


def personal_authors(authors: Counter[tuple], work_canon: dict[str, str], gaz: Gazetteer
                     ) -> Counter[str]:
    """The tweet authors (counted by name) whose accounts are people's, given
    the works' names by key: an account's kind depends on those keys alone
    (``Entities.account_kind``), so while they stay the same, the counts can be
    updated by the authors of the articles that changed."""
    scratch = Entities(Corpus(articles=[]), gaz)
    scratch.use_names(work_canon, {})
    personal: Counter[str] = Counter()
    for (author, handle), n in authors.items():
        if scratch.account_kind(author, handle) == "person":
            personal[author] += n
    return personal



@dataclass
class Part:
    """What one part says: its entities (provisional ids) and facts, and the
    ranks that order its entities' touches against other parts'."""

    corpus: Corpus
    first_rank: dict[str, tuple]
    best_note: dict[str, tuple[tuple, Evidence]]
    owner_rank: dict[str, tuple]
    # (work, network, confidence, evidence) and (ceremony, date rank, date,
    # host, venue, evidence) as the article gives them, counted in ``merge``
    airs_votes: list[tuple] = field(default_factory=list)
    ceremony_votes: list[tuple] = field(default_factory=list)
    # article -> the ceremony most of its nominations are for
    main_ceremonies: dict[str, str] = field(default_factory=dict)


def _entities(maps: NameMaps, gaz: Gazetteer, articles: list[ArticleInfo]) -> Entities:
    ents = Entities(Corpus(articles=articles), gaz)
    ents.use_names(maps.works, maps.people)
    return ents


def linking_entities(maps: NameMaps, gaz: Gazetteer) -> Entities:
    """Entities that find a name's entity by the corpus's name maps (for
    records of facts: ``kg.resolve.settle``)."""
    return _entities(maps, gaz, [])


def _part(ents: Entities, **extra: object) -> Part:
    return Part(ents.corpus, ents.first_rank, ents.best_note, ents.owner_rank, **extra)


def articles_part(facts: Iterable[ArticleFacts], maps: NameMaps, gaz: Gazetteer,
                  spill: SpilledLinks | None = None,
                  articles: list[ArticleInfo] | None = None) -> Part:
    """What the articles say each on its own (a store keeps one part per article;
    a build makes one part of all its articles, which merges the same). With
    ``spill``, the per-article links go there, a slice of articles at a time.
    ``articles``, the articles' ids and dates, lets ``facts`` be read only once,
    one article at a time."""
    if articles is None:
        facts = list(facts)
        articles = [ArticleInfo(f.article_id, f.date) for f in facts]
    ents = _entities(maps, gaz, articles)
    airs, votes, mains = [], [], {}
    for count, f in enumerate(facts, start=1):
        if spill is not None and count > 1 and (count - 1) % SLICE_ARTICLES == 0:
            spill.take(ents.corpus)
        link.link_mentions(ents, f)
        link.link_tweets(ents, f)
        link.link_quotes(ents, f)
        link.link_citations(ents, f)
        ceremonies: Counter[str] = Counter()
        for n in f.nominations:
            ents.at = (f.article_id, 8, n.evidence.start, n.evidence.end)
            ceremonies[ents.ceremony(n.ceremony).id] += 1
        if ceremonies:
            mains[f.article_id] = ceremonies.most_common(1)[0][0]
        for i, a in enumerate(f.airs):
            ents.at = (f.article_id, 7, i)
            airs.append((ents.work(a.work.name).id, ents.org("network", a.network.name).id,
                         a.confidence, a.evidence))
        for i, cf in enumerate(f.ceremonies):
            ents.at = (f.article_id, 12, i)
            host = ents.person(cf.host.name) if cf.host else None
            votes.append((ents.ceremony(cf.ceremony).id, cf.date_rank, cf.date,
                          host.id if host else None,
                          ents.place(cf.venue.name).id if cf.venue else None, cf.evidence))
    if spill is not None:  # every slice in the files, in article order
        spill.take(ents.corpus)
        ents.corpus.spilled = spill
    return _part(ents, airs_votes=airs, ceremony_votes=votes, main_ceremonies=mains)


# --- components -----------------------------------------------------------------------------

def component_part(facts: list[ArticleFacts], main_ceremony: dict[str, str] | None,
                   maps: NameMaps, gaz: Gazetteer,
                   chosen: list[str | None] | None = None) -> Part:
    """The credits, nominations and characters of ``facts`` (in article
    order): of a whole corpus; or, with ``chosen`` (each nomination's
    category, settled with its whole component: ``kg.resolve.settle``), of
    one unit of a component (a member and its costars), ``facts`` holding only
    theirs. ``main_ceremony``: each article's main ceremony, as its article
    part finds it; None when ``facts`` hold every nomination of their articles,
    which then tell the same."""
    ents = _entities(maps, gaz, [])
    link.merge_credits(ents, facts)
    link.merge_nominations(ents, facts, main_ceremony, chosen)
    link.attach_characters(ents, facts)
    return _part(ents)


def component_parts(facts: list[ArticleFacts], main_ceremony: dict[str, str] | None,
                    maps: NameMaps, gaz: Gazetteer
                    ) -> Iterator[tuple[str, Records, dict[FactKey, str | None],
                                        Iterator[tuple[str, set[str], Part]]]]:
    """What a store keeps of the nominations, credits and characters of
    ``facts`` (every article's, in article order), a component at a time: its
    name, its records and their settled categories, and each of its units
    (name, members, part), made one at a time as they are taken: a component
    can have thousands of units, whose parts together held 180 MB at 20,000
    synthetic articles when a component's were made at once (take them before
    the next component). ``main_ceremony``: each article's main ceremony, as
    its article part finds it; None to find it from ``facts`` (which hold every
    nomination of their articles, so they tell the same)."""
    ents = _entities(maps, gaz, [])
    if main_ceremony is None:
        main_ceremony = {f.article_id: main for f in facts
                         if (main := link.main_ceremony_of(ents, f)) is not None}
    records = {f.article_id: article_records(f, ents) for f in facts}
    by_id = {f.article_id: f for f in facts}
    for root, mine in components(records).items():
        chosen = settle(mine)
        yield root, mine, chosen, _unit_parts(mine, chosen, by_id, main_ceremony, maps, gaz)


def _unit_parts(mine: Records, chosen: dict[FactKey, str | None],
                by_id: dict[str, ArticleFacts], main_ceremony: dict[str, str],
                maps: NameMaps, gaz: Gazetteer) -> Iterator[tuple[str, set[str], Part]]:
    """Each unit of one component (its records ``mine``): name, members, part."""
    for unit, theirs in units(mine).items():
        found, aligned = unit_facts(theirs, by_id.__getitem__, chosen)
        yield unit, members(theirs), component_part(found, main_ceremony, maps, gaz,
                                                    chosen=aligned)


def corpus_parts(facts: list[ArticleFacts], gaz: Gazetteer) -> tuple[list[Part], list[Part]]:
    """Every article part and unit part of a corpus (what a store keeps)."""
    facts = sorted(facts, key=lambda f: f.article_id)
    maps = name_maps(facts, gaz)
    articles = [articles_part([f], maps, gaz) for f in facts]
    mains = {k: v for p in articles for k, v in p.main_ceremonies.items()}
    made = [part for *_, found in component_parts(facts, mains, maps, gaz)
            for _, _, part in found]
    return articles, made


# --- merge ----------------------------------------------------------------------------------

@dataclass(slots=True)
class EntityRow:
    """What one part says of one entity (provisional ids throughout): all a
    merge needs, so a store can keep these rows and merge one entity alone."""

    rank: tuple  # its first touch in the part, without the part's call number
    entity: Entity
    note: tuple[tuple, Evidence] | None = None
    owner: tuple | None = None  # when the part names an account's owner: its rank
    # (network, confidence, evidence) and (date rank, date, host, venue, ev);
    # most rows have none (a shared empty tuple, not two empty lists a row)
    airs: Sequence[tuple] = ()
    votes: Sequence[tuple] = ()
    # an account known only from an @handle in a tweet: counts only while no
    # part knows the account itself (from a tweet it posted)
    bare: bool = False


def part_rows(p: Part) -> dict[str, EntityRow]:
    rows = {}
    for pid, ent in p.corpus.entities.items():
        note = p.best_note.get(pid)
        owner = p.owner_rank.get(pid)
        rows[pid] = EntityRow(p.first_rank.get(pid, _LAST)[:-1], ent,
                              (note[0][:-1], note[1]) if note else None,
                              owner[:-1] if owner else None)
    airs: dict[str, list[tuple]] = defaultdict(list)
    for work, net, confidence, ev in p.airs_votes:
        airs[work].append((net, confidence, ev))
    votes: dict[str, list[tuple]] = defaultdict(list)
    for cer, *vote in p.ceremony_votes:
        votes[cer].append(tuple(vote))
    for work, found in airs.items():
        rows[work].airs = found
    for cer, found in votes.items():
        rows[cer].votes = found
    return rows


def merge_entity(pid: str, rows: list[EntityRow]) -> Entity:
    """One entity from every row about it: the first spelling and evidence of
    smallest rank, every alias, the strongest organisation kind, the earliest
    handle and display name, the latest owner."""
    rows, ent, note = _merged_head(pid, rows)
    if note:
        ent.evidence = [note[1]]
    for r in reversed(rows):
        ent.attrs.update(r.entity.attrs)  # the earliest's handle and display name win
    owners = [(r.owner, r.entity.attrs["owner"]) for r in rows if r.owner]
    ent.attrs.pop("owner", None)
    if owners:
        ent.attrs["owner"] = max(owners)[1]
    return ent


def _merged_head(pid: str, rows: list[EntityRow]
                 ) -> tuple[list[EntityRow], Entity, tuple[tuple, Evidence] | None]:
    """What merging and folding rows start from: the rows that count (not the
    bare ones, beside others that are not), earliest first by rank and name;
    the entity of the earliest one's kind and name, with every alias and the
    strongest organisation kind; and the smallest note."""
    if any(r.bare for r in rows) and not all(r.bare for r in rows):
        rows = [r for r in rows if not r.bare]
    rows = sorted(rows, key=lambda r: (r.rank, r.entity.name))
    earliest = rows[0].entity
    ent = Entity(pid, earliest.kind, earliest.name)
    subkinds = [r.entity.subkind for r in rows if r.entity.subkind]
    ent.subkind = min(subkinds, key=ORG_KINDS.index) if subkinds else None
    for r in rows:
        if r.entity.aliases:
            ent.add_aliases(r.entity.aliases)
    notes = [r.note for r in rows if r.note]
    return rows, ent, min(notes) if notes else None


def folded_rows(pid: str, rows: list[EntityRow]) -> list[EntityRow]:
    """A few rows that stand for ``rows`` in every later merge: for any
    ``more`` rows, ``folded_rows(pid, rows) + more`` merges (``merge_entity``,
    ``entity_rank``, ``is_real``, the votes and ``entity_refs``) as ``rows +
    more`` does, ``more`` coming after ``rows`` as a store's rows added later
    do. A store keeps a shared entity's fold, so an add that gives a category
    or an award one more row merges it from the fold and that row, not from
    its row in every article (thousands, read and unpickled on every add).

    The first row carries the earliest row's rank, kind and name, every
    alias, the smallest note and organisation kind, and every row's network
    and ceremony votes in order; each attribute stays with a row of the rank
    and name of the row it came from (the earliest that has it), and the
    owner with one of the largest owner rank. Rows that do not count (bare,
    beside others that are not) are left out but for their votes. Each fold
    row has the rank and name of a row it stands for, and comes before every
    later row in the list: a later row that ties with it loses, as it lost
    to the row itself (a merge's sort is stable)."""
    ordered, head, note = _merged_head(pid, rows)
    earliest = ordered[0]
    bare = earliest.bare  # all of them are, or none
    first = EntityRow(earliest.rank, head, note, None,
                      tuple(v for r in rows for v in r.airs),
                      tuple(v for r in rows for v in r.votes), bare)
    providers: dict[int, dict] = {}  # attributes, by the position of the row they come from
    for key in {k for r in ordered for k in r.entity.attrs if k != "owner"}:
        at = next(i for i, r in enumerate(ordered) if key in r.entity.attrs)
        providers.setdefault(at, {})[key] = ordered[at].entity.attrs[key]
    out = [first]
    for at, attrs in sorted(providers.items()):
        if at == 0:
            head.attrs.update(attrs)
            continue
        r = ordered[at]
        out.append(EntityRow(r.rank, Entity(pid, r.entity.kind, r.entity.name, attrs=attrs),
                             bare=bare))
    owners = [r for r in ordered if r.owner]
    if owners:
        top = max(owners, key=lambda r: (r.owner, r.entity.attrs["owner"]))
        out.append(EntityRow(top.rank, Entity(pid, top.entity.kind, top.entity.name,
                                              attrs={"owner": top.entity.attrs["owner"]}),
                             owner=top.owner, bare=bare))
    return out


def rows_by_entity(parts: Iterable[Part], consume: bool = False) -> dict[str, list[EntityRow]]:
    """Every part's rows, by entity; with ``consume``, each part's ranks and
    notes are dropped once its rows hold them (a rank per entity and part:
    7 MB of a build's 10,000 articles, which would stay through the merge)."""
    out: dict[str, list[EntityRow]] = defaultdict(list)
    for p in parts:
        for pid, row in part_rows(p).items():
            out[pid].append(row)
        if consume:
            p.first_rank, p.best_note, p.owner_rank = {}, {}, {}
    return out


@dataclass
class Merged:
    """A merge of parts: the corpus, and what went into it that a store keeps."""

    corpus: Corpus
    entities: dict[str, Entity]  # by provisional id
    rows: dict[str, list[EntityRow]]
    first: dict[str, tuple]
    ids: dict[str, str]  # provisional id -> final id
    # per article: the accounts its tweets know only by @handle, and the
    # entities its @handles point to
    bare: dict[str, dict[str, EntityRow]]
    targets: dict[str, set[str]]


def merge(articles: Iterable[Part], components: Iterable[Part], consume: bool = False
          ) -> Corpus:
    """One corpus from its parts (see the module docstring); with ``consume``,
    the parts' facts are emptied as the corpus takes them over."""
    return merge_parts(list(articles), list(components), consume).corpus


def merge_parts(articles: list[Part], components: list[Part], consume: bool = False
                ) -> Merged:
    rows = rows_by_entity([*articles, *components], consume)
    entities = {pid: merge_entity(pid, found) for pid, found in rows.items()}
    first = {pid: entity_rank(found) for pid, found in rows.items()}
    spelled = spelled_names(entities, first)
    bare, targets = {}, {}
    for p in articles:
        article = p.corpus.articles[0].article_id if len(p.corpus.articles) == 1 else ""
        found, targets[article] = link_handles(p, entities.get, spelled.get)
        bare[article] = found
        for pid, row in found.items():
            rows[pid].append(row)
    for pid in {pid for pid, found in rows.items() if pid not in entities or any(
            r.bare for r in found)}:
        entities[pid], first[pid] = merge_entity(pid, rows[pid]), entity_rank(rows[pid])
    ids = final_ids(entities, first)
    return Merged(assemble(articles, components, entities, rows, ids, consume), entities,
                  rows, first,
                  ids, bare, targets)


def assemble(articles: list[Part], components: list[Part], entities: dict[str, Entity],
             rows: dict[str, list[EntityRow]], ids: dict[str, str], consume: bool = False
             ) -> Corpus:
    """The corpus of these parts and entities, under their final ids (with
    ``consume``, each part's facts are emptied once copied, so the copies do
    not add to the memory the parts hold, and ``entities`` and the parts'
    nominations and credits are given their final ids in place rather than
    copied: for a caller that keeps only the corpus)."""
    corpus = Corpus(articles=[a for p in articles for a in p.corpus.articles])
    spilled = [p.corpus.spilled for p in articles if p.corpus.spilled is not None]
    if len(spilled) > 1:
        raise ValueError("only one part's links can be kept in files")
    for pid, ent in entities.items():
        if consume:  # the merged entity itself, which nothing else keeps: a copy fewer
            ent.id = ids[pid]
        else:
            ent = dataclasses.replace(ent, id=ids[pid], attrs=dict(ent.attrs))
        for attr in ("award", "owner"):
            if attr in ent.attrs:
                ent.attrs[attr] = ids[ent.attrs[attr]]
        corpus.entities[ent.id] = ent
    for p in articles:
        c = p.corpus
        final_links(c, ids, into=corpus)
        if consume:
            c.mentions, c.citations, c.tweets, c.quotes = set(), set(), [], []
    if spilled:
        spilled[0].rewrite(lambda links: final_links(links, ids, into=Corpus(articles=[])))
        corpus.spilled = spilled[0]
    for p in components:
        _final_facts(p.corpus, ids, corpus, consume)
    sort_nominations(corpus.nominations)
    sort_credits(corpus.credits)
    for pid in sorted(entities, key=lambda k: ids[k]):
        kind = entities[pid].kind
        if kind == "work":
            votes = [v for r in rows[pid] for v in r.airs]
            if votes:
                corpus.airs[ids[pid]] = _network(votes, ids)
        elif kind == "ceremony":
            corpus.ceremonies[ids[pid]] = _ceremony(
                [v for r in rows[pid] for v in r.votes], ids)
    return corpus


def _final_facts(part: Corpus, ids: dict[str, str], into: Corpus, consume: bool) -> None:
    """Add a part's nominations and credits to ``into`` under their final ids:
    copies, or with ``consume`` the part's own, given their final ids in place
    (the part is left without them)."""
    if not consume:
        into.nominations.extend(
            Nomination(ids[n.nominee], ids[n.category] if n.category else None,
                       ids[n.work] if n.work else None, ids[n.ceremony], n.won, n.evidence,
                       n.confidence) for n in part.nominations)
        into.credits.extend(
            Credit(ids[c.person], ids[c.work], c.role, c.character, c.evidence, c.confidence)
            for c in part.credits)
        return
    for n in part.nominations:
        n.nominee, n.ceremony = ids[n.nominee], ids[n.ceremony]
        n.category = ids[n.category] if n.category else None
        n.work = ids[n.work] if n.work else None
    for c in part.credits:
        c.person, c.work = ids[c.person], ids[c.work]
    into.nominations.extend(part.nominations)
    into.credits.extend(part.credits)
    part.nominations, part.credits = [], []


def final_links(links: Corpus, ids: dict[str, str], into: Corpus) -> Corpus:
    """Add ``links``'s mentions, citations, tweets and quotes to ``into``,
    under the entities' final ids (``ids``: provisional id -> final id)."""
    into.mentions.update((a, ids[e]) for a, e in links.mentions)
    into.citations.update((a, ids[e]) for a, e in links.citations)
    into.tweets.extend(ResolvedTweet(t.article, t.tweet, ids[t.account],
                                     [ids[m] for m in t.mentions]) for t in links.tweets)
    into.quotes.extend(ResolvedQuote(q.article, q.quote, ids[q.speaker] if q.speaker
                                     else None) for q in links.quotes)
    return into


def spelled_names(entities: dict[str, Entity], first: dict[str, tuple]) -> dict[str, str]:
    """What each handle-like spelling names: the earliest person, work or
    organisation that an article names on its own, whose name spells it."""
    spelled: dict[str, tuple[tuple, str]] = {}
    for pid, ent in entities.items():
        if spellable(ent, first[pid]):
            key = spelling(ent.name)
            if key not in spelled or (first[pid], pid) < spelled[key]:
                spelled[key] = (first[pid], pid)
    return {k: pid for k, (_, pid) in spelled.items()}


def spellable(ent: Entity, first: tuple) -> bool:
    return ent.kind in ("person", "work", "organization") and first[1] <= 4


def spelling(name: str) -> str:
    return re.sub(r"\W|_", "", name_key(name))


def entity_rank(rows: list[EntityRow]) -> tuple:
    """An entity's smallest rank (by the rows that count, see ``merge_entity``)."""
    if any(r.bare for r in rows) and not all(r.bare for r in rows):
        rows = [r for r in rows if not r.bare]
    return min(r.rank for r in rows)


def link_handles(part: Part, entity: Callable[[str], Entity | None],
                 spelled: Callable[[str], str | None]
                 ) -> tuple[dict[str, EntityRow], set[str]]:
    """@handles in an article's tweet text: the account of that handle (its owner
    when it has one), else the person, work or organisation whose name the
    handle spells (``spelled``), else the account known by its handle alone.
    ``entity`` gives the merged entity of a provisional id, None for an
    account the corpus does not know from a tweet it posted; returns the rows of the accounts
    known only by their handle, one per account, as this article names them,
    and the entities the handles point to."""
    bare: dict[str, EntityRow] = {}
    targets: set[str] = set()
    _link_handles(part.corpus.tweets, entity, spelled, bare, targets)
    if part.corpus.spilled is not None:
        def link(links: Corpus) -> Corpus | None:
            return links if _link_handles(links.tweets, entity, spelled, bare, targets) else None
        part.corpus.spilled.rewrite(link)
    return bare, targets


def _link_handles(tweets: list[ResolvedTweet], entity: Callable[[str], Entity | None],
                  spelled: Callable[[str], str | None], bare: dict[str, EntityRow],
                  targets: set[str]) -> bool:
    """Link the handles of ``tweets`` (see ``link_handles``); whether any was."""
    linked = False
    for rt in tweets:
        for handle in rt.tweet.handles_mentioned:
            if handle in rt.tweet.resolved_handles:
                continue
            pid = f"account\x1f{handle.casefold()}"
            account = entity(pid)
            target = (account.attrs.get("owner") if account else None) or spelled(
                re.sub(r"\W|_", "", handle.casefold()))
            if target is None:
                target = pid
                if account is None and pid not in bare:
                    bare[pid] = EntityRow((rt.article, 5, rt.tweet.index), Entity(
                        pid, "account", "@" + handle,
                        attrs={"handle": handle, "display": handle}), bare=True)
            if target not in rt.mentions:
                rt.mentions.append(target)
                targets.add(target)
                linked = True
    return linked


def final_ids(entities: dict[str, Entity], first: dict[str, tuple]) -> dict[str, str]:
    """Provisional id -> final id: kind and slug of the name (``id_base``),
    numbered by rank where they meet."""
    groups: dict[str, list[str]] = defaultdict(list)
    for pid, ent in entities.items():
        groups[id_base(ent)].append(pid)
    ids = {}
    for base, pids in groups.items():
        ids.update(number_group(base, pids, first))
    return ids


def number_group(base: str, pids: list[str], first: dict[str, tuple]) -> dict[str, str]:
    ordered = sorted(pids, key=lambda k: (first[k], k))
    return {pid: base if n == 1 else f"{base}-{n}" for n, pid in enumerate(ordered, start=1)}


def _network(votes: list[tuple], ids: dict[str, str]) -> tuple[str, list[Evidence]]:
    counter: Counter[str] = Counter()
    evidence: dict[str, list[Evidence]] = defaultdict(list)
    for net, confidence, ev in votes:
        counter[ids[net]] += confidence
        evidence[ids[net]].append(ev)
    net = max(counter.items(), key=lambda kv: (kv[1], kv[0]))[0]
    return net, evidence[net]


def _ceremony(votes: list[tuple], ids: dict[str, str]) -> CeremonyDetails:
    dates = [(rank, date) for rank, date, _, _, _ in votes if date]
    hosts = Counter(ids[h] for _, _, h, _, _ in votes if h)
    venues = Counter(ids[v] for _, _, _, v, _ in votes if v)
    d = CeremonyDetails(evidence=[ev for *_, ev in votes])
    if dates:
        ranked = Counter(dates)
        d.date = max(ranked.items(), key=lambda kv: (kv[0][0], kv[1], kv[0][1]))[0][1]
    d.hosts = sorted(hosts)
    if venues:
        d.venue = max(venues.items(), key=lambda kv: (kv[1], kv[0]))[0]
    return d


def resolve_in_parts(facts: list[ArticleFacts], gaz: Gazetteer) -> Corpus:
    """The corpus merged from a part per article and per unit of a component
    (what a store keeps); equal to ``resolve_whole``."""
    articles, components = corpus_parts(facts, gaz)
    return merge(articles, components)


def noting_articles(read: Iterable[ArticleFacts], infos: list[ArticleInfo]
                    ) -> Iterator[ArticleFacts]:
    """``read`` as it is, noting each article's id and date in ``infos``: a
    reading of facts files an article at a time, which must come in article
    order (the order parts are merged in)."""
    for f in read:
        if infos and f.article_id < infos[-1].article_id:
            raise ValueError(f"facts read out of article order: {f.article_id} after "
                             f"{infos[-1].article_id}")
        infos.append(ArticleInfo(f.article_id, f.date))
        yield f


def keeping_owned(read: Iterable[ArticleFacts], kept: list[ArticleFacts]
                  ) -> Iterator[ArticleFacts]:
    """``read`` as it is; once each article's facts are read, a copy of what
    the component part reads of them (``only_owned``) goes to ``kept``, read
    back through one ``SharedReader`` (equal names and sentences one object),
    ``read``'s own facts left as they were. Only what is kept is shared: a
    reader that shared every fact read would hold every sentence of the corpus
    until the reading ends."""
    reader = SharedReader()
    for f in read:
        yield f
        kept.append(reader.loads(pickle.dumps(only_owned(dataclasses.replace(f)),
                                              pickle.HIGHEST_PROTOCOL)))


def _emptying(read: Iterable[ArticleFacts]) -> Iterator[ArticleFacts]:
    """``read`` as it is, each article's facts emptied (``only_owned``) once
    the article part has linked them."""
    for f in read:
        yield f
        only_owned(f)


def only_owned(f: ArticleFacts) -> ArticleFacts:
    """``f`` emptied (in place) of all but its nominations, credits and
    characters (and what names them): what the component parts read, which
    are made from many articles' facts at once. The emptied fields share one
    empty tuple: six fresh lists an article cost 336 bytes, 34 MB for a build
    of 100,000 articles, and a tuple cannot be filled by mistake."""
    emptied: list = _EMPTIED  # type: ignore[assignment]
    f.mentions = f.tweets = f.quotes = f.citations = f.airs = f.ceremonies = emptied
    f.credits, f.characters = f.credits or emptied, f.characters or emptied  # most have none
    return f


def resolve_whole(facts: Collection[ArticleFacts], gaz: Gazetteer, consume: bool = False,
                  spill: bool | Path = False) -> Corpus:
    """The corpus merged from one part of every article and one of every fact
    (what a build does: the same entities and facts, at the cost of one
    resolution). ``facts`` is a sequence (a list), in any order, or else a
    collection read twice, an article at a time, in article order (a build's
    facts files, which are never all in memory at once).

    The component part is made first, from what it reads of every article
    (kept from the first reading, when the facts are read afresh each time),
    which then goes; the article part after, from the second reading: a
    build's largest memory is here, and neither part's working memory then
    adds to the other's result (at 100,000 synthetic articles the peak was
    711 MB, against 927 MB when the article part came first and kept what the
    component part reads from a shared second reading).

    With ``consume``, each article's facts are emptied of what only the article
    part reads (mentions above all) once it is read, and a list of facts is
    emptied at the end: what the parts do not keep of the facts is freed before
    the next step. With ``spill``, the
    corpus keeps its per-article links in files (see ``kg.resolve.spill``;
    ``Corpus.spilled``; removed here if resolution fails), in a temporary
    folder (inside ``spill`` when it is a folder)."""
    # in rank order, as parts are merged
    held = isinstance(facts, Sequence)
    ordered = sorted(facts, key=lambda f: f.article_id) if held else facts
    infos: list[ArticleInfo] = []
    kept: list[ArticleFacts] = []  # what the component part reads of facts read afresh
    first = noting_articles(ordered, infos)
    maps = maps_from_counts(*name_counts(first if held else keeping_owned(first, kept)), gaz)
    # the component part first, while no other part is held; then what it read goes
    components = component_part(ordered if held else kept, None, maps, gaz)
    kept.clear()
    links = SpilledLinks(spill if isinstance(spill, Path) else None) if spill else None
    try:
        articles = articles_part(_emptying(ordered) if held and consume else ordered, maps,
                                 gaz, links, infos)
        del ordered
        if consume and isinstance(facts, list):
            facts.clear()
        return merge([articles], [components], consume)
    except BaseException:
        if links is not None:
            links.close()
        raise
