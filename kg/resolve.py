"""Cross-article entity resolution: surface names -> one node per real entity.

"Maya Lindqvist", "Lindqvist" and "maya lindqvist" become one person; "Rob Hale"
and "Robert Hale" too (same surname, diminutive given name); "Paper Moons’"
and "Paper Moons" one work. Category paraphrases are narrowed to one
official category using the other facts about the same nominee and ceremony.
Nothing here knows about spaCy or RDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from networkx.utils import UnionFind

from kg.gazetteer import Gazetteer, fold, load_gazetteer
from kg.records import (
    ArticleFacts,
    CategoryRef,
    CeremonyRef,
    Evidence,
    NominationFact,
    Quote,
    Ref,
    Tweet,
    ceremony_of,
)

ORG_KINDS = ("outlet", "network", "organization")


def slugify(text: str) -> str:
    """A readable, IRI-safe slug; falls back to a hash for names with no letters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "")).strip("-")
    return slug[:80] or "x" + hashlib.sha1(text.encode()).hexdigest()[:10]


_PUNCTUATION = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1 << 16)  # the same names recur in every article
def name_key(text: str) -> str:
    """Key under which spellings of one name meet: case, accents ("Zoé" and
    "Zoe": outlets differ in whether they keep them), apostrophes, punctuation
    and a leading 'The' do not matter."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", fold(text))
                    if not unicodedata.combining(c))
    key = _PUNCTUATION.sub("", plain.replace("'", ""))
    key = _SPACES.sub(" ", key).strip()
    return key[4:] if key.startswith("the ") else key


@dataclass(slots=True)  # many thousands of them in a large corpus
class Entity:
    id: str
    kind: str  # person | work | organization | award | category | ceremony | place | account
    name: str
    subkind: str | None = None  # outlet | network for organisations
    aliases: set[str] = field(default_factory=set)
    evidence: list[Evidence] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)


@dataclass(slots=True)  # many thousands of them in a large corpus
class Nomination:
    nominee: str
    category: str | None
    work: str | None
    ceremony: str
    won: bool
    evidence: list[Evidence]
    confidence: float


@dataclass(slots=True)  # many thousands of them in a large corpus
class Credit:
    person: str
    work: str
    role: str
    character: str | None
    evidence: list[Evidence]
    confidence: float


@dataclass(slots=True)  # many thousands of them in a large corpus
class ResolvedTweet:
    article: str
    tweet: Tweet
    account: str
    mentions: list[str]


@dataclass(slots=True)  # many thousands of them in a large corpus
class ResolvedQuote:
    article: str
    quote: Quote
    speaker: str | None


@dataclass(slots=True)  # many thousands of them in a large corpus
class CeremonyDetails:
    date: dt.date | None = None
    hosts: list[str] = field(default_factory=list)
    venue: str | None = None
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    """What the graph says of an article itself. The resolved corpus keeps only
    this of each article's extracted facts, so that the facts it does not link
    (mentions, nominations as extracted ...) can be freed before the graph is
    written."""

    article_id: str
    date: dt.date


@dataclass
class Corpus:
    """The resolved corpus: entities by id and the facts between them."""

    articles: list[ArticleInfo]
    entities: dict[str, Entity] = field(default_factory=dict)
    nominations: list[Nomination] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)
    airs: dict[str, tuple[str, list[Evidence]]] = field(default_factory=dict)
    ceremonies: dict[str, CeremonyDetails] = field(default_factory=dict)
    tweets: list[ResolvedTweet] = field(default_factory=list)
    quotes: list[ResolvedQuote] = field(default_factory=list)
    # (article, entity) pairs: which articles cite which outlets, mention which entities
    citations: set[tuple[str, str]] = field(default_factory=set)
    mentions: set[tuple[str, str]] = field(default_factory=set)


class Resolver:
    def __init__(self, facts: list[ArticleFacts], gaz: Gazetteer | None = None) -> None:
        self.facts = facts
        self.gaz = gaz or load_gazetteer()
        self.corpus = Corpus(articles=[ArticleInfo(f.article_id, f.date) for f in facts])
        self._person_canon: dict[str, str | None] = {}
        self._work_canon: dict[str, str] = {}
        self._ids: dict[tuple[str, str], str] = {}
        self._used_ids: set[str] = set()
        self._ceremony_entities: dict[CeremonyRef, Entity] = {}

    # --- names ----------------------------------------------------------------------

    def _entity(self, kind: str, key: str, name: str, subkind: str | None = None) -> Entity:
        ident = self._ids.get((kind, key))
        if ident is None:
            base = f"{kind}/{slugify(name)}"
            ident = base
            n = 2
            while ident in self._used_ids:
                ident = f"{base}-{n}"
                n += 1
            self._used_ids.add(ident)
            self._ids[(kind, key)] = ident
            self.corpus.entities[ident] = Entity(ident, kind, name, subkind)
        ent = self.corpus.entities[ident]
        if subkind and (ent.subkind is None or ORG_KINDS.index(subkind) < ORG_KINDS.index(
                ent.subkind)):
            ent.subkind = subkind
        return ent

    def _collect_people(self) -> None:
        names: Counter[str] = Counter()
        for f in self.facts:
            for m in f.mentions:
                if m.ref.kind == "person":
                    names[m.ref.name] += 1
            for t in f.tweets:
                if self._author_kind(t) == "person":
                    names[t.author] += 1
        by_key: dict[str, Counter[str]] = defaultdict(Counter)
        for name, n in names.items():
            by_key[name_key(name)][name] += n
        clusters = self._join_partial_names(
            self._full_name_clusters([k for k in by_key if len(k.split()) > 1]))
        # a one-word name joins the one full name it is the first or last word of;
        # "Hale" when the corpus has two Hales is an unknown person
        by_word: dict[str, set[str]] = defaultdict(set)
        for full in clusters:
            words = full.split()
            by_word[words[0]].add(full)
            by_word[words[-1]].add(full)
        root_of: dict[str, str | None] = {}
        for k in by_key:
            if not k:
                root_of[k] = None  # no letters or digits at all
            elif k in clusters:
                root_of[k] = clusters[k]
            else:
                hits = {clusters[full] for full in by_word.get(k, ())}
                root_of[k] = hits.pop() if len(hits) == 1 else None if hits else k
        members: dict[str, list[str]] = defaultdict(list)
        for k, root in root_of.items():
            if root is not None:
                members[root].append(k)
        for keys in members.values():
            canonical = _canonical_person(sum((by_key[k] for k in keys), Counter()))
            for k in keys:
                for variant in by_key[k]:
                    self._person_canon[variant] = canonical
            self._person_canon.setdefault(canonical, canonical)
        for k, root in root_of.items():
            if root is None:
                for variant in by_key[k]:
                    self._person_canon[variant] = None

    def _full_name_clusters(self, keys: list[str]) -> dict[str, str]:
        """Each multi-word name key -> its cluster's label: "Robert Hale" and
        "Rob Hale" meet (same surname and length, given names of one family).
        Names are grouped by surname, length and given-name key, so the cost is
        linear in the number of names, not in their pairs."""
        clusters = UnionFind(keys)
        first_with: dict[tuple[str, int, str], str] = {}
        for k in keys:
            words = k.split()
            for given in self.gaz.given_name_keys(words[0]):
                other = first_with.setdefault((words[-1], len(words), given), k)
                clusters.union(other, k)
        return {k: clusters[k] for k in keys}

    def _join_partial_names(self, clusters: dict[str, str]) -> dict[str, str]:
        """A name that is the last words of a fuller one joins it ("Vance Okoro"
        of "Sheila Vance Okoro": a second given name, or a double surname, that
        some outlets drop), when exactly one person's names end so. The fuller
        name must start with a known given name, so that a title or a word the
        model took into the name ("Winner Vance Okoro") is not a fuller name."""
        fuller: dict[str, set[str]] = defaultdict(set)  # trailing words -> cluster labels
        for key, label in clusters.items():
            words = key.split()
            if len(words) > 2 and self.gaz.is_given_name(words[0].title()):
                for i in range(1, len(words) - 1):
                    fuller[" ".join(words[i:])].add(label)
        joined = UnionFind(clusters.values())
        for key, label in clusters.items():
            others = fuller.get(key, set()) - {label}
            if len(others) == 1:
                joined.union(label, others.pop())
        return {key: joined[label] for key, label in clusters.items()}

    def _collect_works(self) -> None:
        names: Counter[str] = Counter()
        for f in self.facts:
            for m in f.mentions:
                if m.ref.kind == "work":
                    names[m.ref.name] += 1
            for x in [*f.credits, *f.airs]:
                names[x.work.name] += 1
            for n in f.nominations:
                if n.work:
                    names[n.work.name] += 1
        groups: dict[str, Counter[str]] = defaultdict(Counter)
        for name, n in names.items():
            groups[name_key(name)][name.replace("’", "'")] += n
        for key, counter in groups.items():
            # the fullest form: "The Marram Grass" even where the text says "Marram Grass"
            canonical = max(counter.items(), key=lambda kv: (kv[0].startswith("The "), kv[1],
                                                            kv[0]))[0]
            self._work_canon[key] = canonical

    def _author_kind(self, t: Tweet) -> str | None:
        """What owns the tweet's account: "person", "work", an organisation kind,
        or None when the signature names nobody ("— (@b) May 1, 2021", a row of
        emoji): the account is then known by its handle alone."""
        if self.gaz.by_handle(t.handle):
            return self.gaz.by_handle(t.handle)[0]
        if not name_key(t.author):
            return None
        for kind in ORG_KINDS:
            if self.gaz.lookup(kind, t.author):
                return kind
        key = name_key(t.author)
        if key in self._work_canon:
            return "work"
        if self._names_award(t.author):
            return "organization"  # "Harbor Music Awards", "Recording Academy / Harbors"
        if "(" in t.author or any(key[:i] in self._work_canon
                                  for i, c in enumerate(key) if c == " "):
            return "organization"  # "Show Name (Network)": a show's fan or network account
        if re.sub(r"\W", "", t.author.casefold()) == t.handle.casefold() and \
                any(c.isupper() for c in t.author[1:]) and " " not in t.author and \
                not any(c.isdigit() for c in t.author):
            return "organization"  # a brand-style account name: "NowThis"
        return "person"

    def _names_award(self, author: str) -> bool:
        """Whether an account name names an award or its presenter (the show's
        or academy's own account, not a person)."""
        return self._award_names.search(f" {fold(author)} ") is not None

    @cached_property
    def _award_names(self) -> re.Pattern[str]:
        """Every award's names and presenter, folded and padded, as one pattern
        built once (asked for every tweet author; one name at a time was
        thousands of substring tests per author)."""
        names = sorted({f" {fold(name)} " for a in self.gaz.awards
                        for name in (a.name, *a.aliases, a.presenter or "")
                        if name and len(name) > 3})
        return re.compile("|".join(map(re.escape, names)) or r"(?!)")

    def person(self, name: str) -> Entity | None:
        canonical = self._person_canon.get(name, name if name not in self._person_canon else None)
        if canonical is None:
            return None
        ent = self._entity("person", name_key(canonical), canonical)
        if name != canonical:
            ent.aliases.add(name)
        return ent

    def work(self, name: str) -> Entity:
        canonical = self._work_canon.get(name_key(name), name.replace("’", "'"))
        ent = self._entity("work", name_key(canonical), canonical)
        if name.replace("’", "'") != canonical:
            ent.aliases.add(name)
        return ent

    def org(self, kind: str, name: str) -> Entity:
        thing = None
        for k in (kind, *ORG_KINDS):
            thing = self.gaz.lookup(k, name)
            if thing:
                break
        canonical = thing.name if thing else name
        ent = self._entity("organization", name_key(canonical), canonical, subkind=kind
                           if kind in ("outlet", "network") else None)
        if thing:
            ent.aliases.update(a for a in thing.aliases if a != canonical)
        if name != canonical:
            ent.aliases.add(name)
        return ent

    def award(self, name: str) -> Entity:
        info = self.gaz.award(name)
        canonical = info.name if info else name
        ent = self._entity("award", name_key(canonical), canonical)
        if info:
            ent.aliases.update(info.aliases)
        return ent

    def ceremony(self, ref: CeremonyRef) -> Entity:
        found = self._ceremony_entities.get(ref)
        if found is None:
            found = self._ceremony_entities[ref] = self._new_ceremony(ref)
        return found

    def _new_ceremony(self, ref: CeremonyRef) -> Entity:
        info = self.gaz.award_named(ref.award)
        name = info.ceremony_name(ref.year)
        ent = self._entity("ceremony", name_key(name), name)
        ent.aliases.update(a for a in info.ceremony_alias_names(ref.year) if a != name)
        ent.attrs.update(award=self.award(ref.award).id, year=ref.year,
                         ordinal=info.ordinal_for(ref.year))
        return ent

    def category(self, award: str, name: str) -> Entity:
        award_ent = self.award(award)
        ent = self._entity("category", name_key(f"{award_ent.name} {name}"), name)
        ent.attrs["award"] = award_ent.id
        return ent

    def place(self, name: str) -> Entity:
        """A place under the name the text gives (venues get renamed: the article's
        "Crypto.com Arena" stays that, not an older name of the building)."""
        return self._entity("place", name_key(name), name)

    def account(self, handle: str, display: str) -> Entity:
        """The account of ``handle``, named by its display name; an embed that
        gives none ("— (@b) May 1, 2021") names it by its handle, as a reader
        would, rather than with an empty name."""
        ent = self._entity("account", handle.casefold(), "@" + handle)
        ent.attrs.setdefault("handle", handle)
        ent.attrs.setdefault("display", display or handle)
        return ent

    def ref(self, ref: Ref) -> Entity | None:
        if ref.kind == "person":
            return self.person(ref.name)
        if ref.kind == "work":
            return self.work(ref.name)
        if ref.kind in ORG_KINDS:
            return self.org(ref.kind, ref.name)
        if ref.kind == "award":
            return self.award(ref.name)
        if ref.kind == "place":
            return self.place(ref.name)
        if ref.kind == "ceremony":
            return self.ceremony(ceremony_of(ref))
        return None

    # --- facts ----------------------------------------------------------------------

    def resolve(self) -> Corpus:
        self._collect_works()
        self._collect_people()
        c = self.corpus
        for f in self.facts:
            self._mentions(f)
            self._tweets(f)
            for q in f.quotes:
                speaker = self.person(q.speaker.name) if q.speaker else None
                c.quotes.append(ResolvedQuote(f.article_id, q, speaker.id if speaker else None))
            for cit in f.citations:
                ent = self.ref(cit.outlet)
                if ent is not None:
                    c.citations.add((f.article_id, ent.id))
        self._tweet_handles()
        self._credits()
        self._airs()
        self._nominations()
        self._characters()
        self._ceremonies()
        return c

    def _characters(self) -> None:
        """Attach "Hedda (Marisol)" to the one work the corpus credits that person with."""
        by_person: dict[str, list[Credit]] = defaultdict(list)
        for cr in self.corpus.credits:
            by_person[cr.person].append(cr)
        for f in self.facts:
            for ch in f.characters:
                person = self.person(ch.person.name)
                if person is None or len(by_person.get(person.id, [])) != 1:
                    continue
                credit = by_person[person.id][0]
                if not credit.character:
                    credit.character = ch.character
                    credit.evidence.append(ch.evidence)

    def _note(self, ent: Entity, ev: Evidence) -> None:
        if len(ent.evidence) < 3 and ev not in ent.evidence:
            ent.evidence.append(ev)

    def _mentions(self, f: ArticleFacts) -> None:
        for m in f.mentions:
            if m.ref.kind == "category":
                continue  # categories are linked once narrowed (see _nominations)
            ent = self.ref(m.ref)
            if ent is None:
                continue
            self._note(ent, m.evidence)
            self.corpus.mentions.add((f.article_id, ent.id))

    def _tweets(self, f: ArticleFacts) -> None:
        for t in f.tweets:
            account = self.account(t.handle, t.author)
            kind = self._author_kind(t)
            owner: Entity | None
            if kind is None:
                owner = None
            elif kind == "person":
                owner = self.person(t.author)
            elif kind == "work":
                owner = self.work(t.author)
            else:
                by_handle = self.gaz.by_handle(t.handle)
                owner = self.org(kind, by_handle[1].name if by_handle else t.author)
            if owner is not None:
                account.attrs["owner"] = owner.id
                self._note(owner, t.evidence)
                self.corpus.mentions.add((f.article_id, owner.id))
                if owner.kind == "organization" or owner.kind == "work":
                    self.corpus.citations.add((f.article_id, owner.id))
            mentioned: list[str] = []
            for r in t.mentions:
                ent = self.ref(r)
                if ent is not None and ent.id not in mentioned:
                    mentioned.append(ent.id)
            for cat in t.categories:
                if len(cat.candidates) == 1:
                    mentioned.append(self.category(cat.award, cat.candidates[0]).id)
            self.corpus.tweets.append(ResolvedTweet(f.article_id, t, account.id, mentioned))

    def _tweet_handles(self) -> None:
        """Link @handles in tweet text: to the account of that handle when the
        corpus has one, else to the person or work whose name the handle spells,
        else to a bare account."""
        spelled: dict[str, str] = {}
        for ent in self.corpus.entities.values():
            if ent.kind in ("person", "work", "organization"):
                spelled.setdefault(re.sub(r"\W|_", "", name_key(ent.name)), ent.id)
        for rt in self.corpus.tweets:
            for handle in rt.tweet.handles_mentioned:
                if handle in rt.tweet.resolved_handles:
                    continue
                ident = self._ids.get(("account", handle.casefold()))
                owner = self.corpus.entities[ident].attrs.get("owner") if ident else None
                target = owner or spelled.get(re.sub(r"\W|_", "", handle.casefold()))
                if target is None:
                    target = self.account(handle, handle).id
                if target not in rt.mentions:
                    rt.mentions.append(target)

    def _credits(self) -> None:
        merged: dict[tuple[str, str], Credit] = {}
        for f in self.facts:
            for cr in f.credits:
                person = self.person(cr.person.name)
                if person is None:
                    continue
                work = self.work(cr.work.name)
                key = (person.id, work.id)
                old = merged.get(key)
                if old is None:
                    merged[key] = Credit(person.id, work.id, cr.role, cr.character,
                                         [cr.evidence], cr.confidence)
                else:
                    old.evidence.append(cr.evidence)
                    old.character = old.character or cr.character
                    old.confidence = max(old.confidence, cr.confidence)
                    if cr.role == "actor":
                        old.role = "actor"
        self.corpus.credits = [merged[k] for k in sorted(merged)]

    def _airs(self) -> None:
        votes: dict[str, Counter[str]] = defaultdict(Counter)  # weighted by confidence
        ev: dict[tuple[str, str], list[Evidence]] = defaultdict(list)
        for f in self.facts:
            for a in f.airs:
                work = self.work(a.work.name)
                net = self.org("network", a.network.name)
                votes[work.id][net.id] += a.confidence
                ev[(work.id, net.id)].append(a.evidence)
        for work_id, counter in sorted(votes.items()):
            net_id = max(counter.items(), key=lambda kv: (kv[1], kv[0]))[0]
            self.corpus.airs[work_id] = (net_id, ev[(work_id, net_id)])

    def _ceremonies(self) -> None:
        dates: dict[str, list[tuple[int, dt.date]]] = defaultdict(list)
        hosts: dict[str, Counter[str]] = defaultdict(Counter)
        venues: dict[str, Counter[str]] = defaultdict(Counter)
        evidence: dict[str, list[Evidence]] = defaultdict(list)
        for f in self.facts:
            for cf in f.ceremonies:
                cer = self.ceremony(cf.ceremony)
                if cf.date:
                    dates[cer.id].append((cf.date_rank, cf.date))
                if cf.host:
                    host = self.person(cf.host.name)
                    if host:
                        hosts[cer.id][host.id] += 1
                if cf.venue:
                    venues[cer.id][self.place(cf.venue.name).id] += 1
                evidence[cer.id].append(cf.evidence)
        for ent in self.corpus.entities.values():
            if ent.kind != "ceremony":
                continue
            d = CeremonyDetails(evidence=evidence.get(ent.id, []))
            if dates.get(ent.id):
                ranked = Counter(dates[ent.id])
                d.date = max(ranked.items(), key=lambda kv: (kv[0][0], kv[1], kv[0][1]))[0][1]
            d.hosts = sorted(hosts.get(ent.id, {}))
            if venues.get(ent.id):
                d.venue = max(venues[ent.id].items(), key=lambda kv: (kv[1], kv[0]))[0]
            self.corpus.ceremonies[ent.id] = d

    def _nominations(self) -> None:
        """Narrow categories, fill works, merge duplicates."""
        facts: list[tuple[str, str, NominationFact, Entity]] = []
        main_ceremony: dict[str, str] = {}
        for f in self.facts:
            cer_counts = Counter(self.ceremony(n.ceremony).id for n in f.nominations)
            if cer_counts:
                main_ceremony[f.article_id] = cer_counts.most_common(1)[0][0]
            for n in f.nominations:
                nominee = self.ref(n.nominee)
                if nominee is None:
                    continue
                facts.append((f.article_id, self.ceremony(n.ceremony).id, n, nominee))
        chosen = _narrow_categories(facts)
        # merge
        credit_works: dict[str, set[str]] = defaultdict(set)
        for cr in self.corpus.credits:
            credit_works[cr.person].add(cr.work)
        merged: dict[tuple[str, str | None, str], Nomination] = {}
        work_votes: dict[tuple, Counter[str]] = defaultdict(Counter)
        guess_votes: dict[tuple, Counter[str]] = defaultdict(Counter)
        for i, (article, cer, n, nominee) in enumerate(facts):
            cat_name = chosen[i]
            if cat_name is None and cer == main_ceremony.get(article):
                continue  # a win or nomination we cannot place in a category
            award = self.corpus.entities[self.ceremony(n.ceremony).id].attrs["award"]
            cat = self.category(self.corpus.entities[award].name, cat_name) if cat_name else None
            key = (nominee.id, cat.id if cat else None, cer)
            nom = merged.get(key)
            if nom is None:
                nom = merged[key] = Nomination(nominee.id, key[1], None, cer, n.won, [], 0.0)
            nom.won = nom.won or n.won
            nom.evidence.append(n.evidence)
            nom.confidence = max(nom.confidence, n.confidence)
            if n.work:
                work_votes[key][self.work(n.work.name).id] += 1
            elif n.work_guess:
                guess_votes[key][self.work(n.work_guess.name).id] += 1
            if cat:
                self._note(cat, n.evidence)
            self._note(nominee, n.evidence)
        # "his costar X": X was up for the work of the person named with them
        costars: dict[tuple, str] = {}
        for _, cer, n, nominee in facts:
            if n.costar_of is not None:
                other = self.ref(n.costar_of)
                if other is not None:
                    costars[(nominee.id, cer)] = other.id
        ordered = sorted(merged, key=lambda k: (k[0], k[1] or "", k[2]))
        by_nominee: dict[tuple, list[tuple]] = defaultdict(list)  # (nominee, ceremony) -> keys
        for key in ordered:
            by_nominee[(key[0], key[2])].append(key)
        for key in ordered:
            partner = costars.get((key[0], key[2]))
            if work_votes[key] or partner is None:
                continue
            for other_key in by_nominee.get((partner, key[2]), ()):
                if work_votes[other_key]:
                    best = max(work_votes[other_key].items(), key=lambda kv: (kv[1], kv[0]))
                    work_votes[key][best[0]] += 1
        for key, nom in merged.items():
            artist_prize = nom.category is not None and self.gaz.category_rules.is_artist_prize(
                self.corpus.entities[nom.category].name)  # "Best New Artist" names no work
            if work_votes[key]:
                nom.work = max(work_votes[key].items(), key=lambda kv: (kv[1], kv[0]))[0]
            elif self.corpus.entities[nom.nominee].kind == "work":
                nom.work = nom.nominee
            elif artist_prize:
                continue
            elif len(credit_works.get(nom.nominee, ())) == 1:
                nom.work = next(iter(credit_works[nom.nominee]))
                nom.confidence = min(nom.confidence, 0.8)
            elif guess_votes[key]:
                nom.work = max(guess_votes[key].items(), key=lambda kv: (kv[1], kv[0]))[0]
                nom.confidence = min(nom.confidence, 0.6)
        self.corpus.nominations = [merged[k] for k in sorted(merged, key=lambda k: (
            k[0], k[1] or "", k[2]))]
        # credits implied by nominations for performing categories
        known = {(c.person, c.work) for c in self.corpus.credits}
        for nom in self.corpus.nominations:
            if nom.work and self.corpus.entities[nom.nominee].kind == "person" and (
                    nom.nominee, nom.work) not in known:
                category = self.corpus.entities[nom.category].name if nom.category else ""
                role = ("director" if "Direct" in category else
                        "writer" if re.search(r"Writ|Screenplay", category) else "actor")
                self.corpus.credits.append(Credit(nom.nominee, nom.work, role, None,
                                                  nom.evidence[:1], 0.7))
                known.add((nom.nominee, nom.work))
        self.corpus.credits.sort(key=lambda c: (c.person, c.work))


def _narrow_categories(facts: list[tuple[str, str, NominationFact, Entity]]
                       ) -> dict[int, str | None]:
    """Pick one official category per nomination fact.

    A mention that fits one category is taken as is. A paraphrase that fits
    several ("Lead Actor") takes the one the same nominee is named for at the
    same ceremony elsewhere, or failing that the one most other mentions of that
    nominee also fit. Facts with no category take the nominee's only category,
    or the category of the other nominees in the same sentence ("fellow
    nominees", "beat out").
    """
    chosen: dict[int, str | None] = {}
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (_, cer, n, nominee) in enumerate(facts):
        groups[(nominee.id, cer)].append(i)
        cands = n.category.candidates if n.category else ()
        chosen[i] = cands[0] if len(cands) == 1 else None
    for _ in range(3):
        for members in groups.values():
            definite = {chosen[i] for i in members if chosen[i]}
            for i in members:
                n = facts[i][2]
                if chosen[i] or n.category is None:
                    continue
                fits = [c for c in n.category.candidates if c in definite]
                if len(fits) == 1:
                    chosen[i] = fits[0]
                elif not definite:
                    support = Counter(c for j in members if j != i and facts[j][2].category
                                      for c in facts[j][2].category.candidates)
                    best = max(n.category.candidates, key=lambda c: support[c])
                    if support[best] > 0:
                        chosen[i] = best
        by_sentence: dict[Evidence, set[str]] = defaultdict(set)
        for i, (_, _, n, _) in enumerate(facts):
            if chosen[i]:
                by_sentence[n.evidence].add(chosen[i])
        for members in groups.values():
            definite = {chosen[i] for i in members if chosen[i]}
            for i in members:
                n = facts[i][2]
                if chosen[i]:
                    continue
                same = by_sentence.get(n.evidence, set())
                if n.category is not None:
                    fits = [c for c in n.category.candidates if c in same]
                    if len(fits) == 1:
                        chosen[i] = fits[0]
                elif len(definite) == 1:
                    chosen[i] = next(iter(definite))
                elif len(same) == 1:
                    chosen[i] = next(iter(same))
    for i, (_, _, n, _) in enumerate(facts):
        if chosen[i] is None and n.category is not None and n.category.candidates:
            chosen[i] = n.category.candidates[0]
    return chosen


def _canonical_person(counter: Counter[str]) -> str:
    """The name a person goes by: a full name over a lone word, a capitalised
    spelling over a lower-case one, the fullest form ("Sheila Vance Okoro" over
    "Vance Okoro"), then the most frequent."""
    def score(kv: tuple[str, int]) -> tuple:
        name, n = kv
        return (len(name.split()) > 1, not name.islower(), len(name.split()), n, name)

    best = max(counter.items(), key=score)[0]
    return best.title() if best.islower() else best


def resolve(facts: list[ArticleFacts], gaz: Gazetteer | None = None) -> Corpus:
    return Resolver(facts, gaz).resolve()


__all__ = ["Corpus", "Entity", "resolve", "slugify", "name_key", "CategoryRef"]
