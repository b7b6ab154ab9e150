"""The entities of one resolution: each created once, under an id made from
its kind and name, and found again by any spelling of its name.

``Entities.learn_names`` reads every article's names first (which spelling
names each person and work; see ``kg.resolve.names``), so that each accessor
(``person``, ``work``, ``org`` ...) then returns the one entity for a spelling,
creating it on first use.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cached_property

from kg.gazetteer import Gazetteer, fold
from kg.records import ArticleFacts, CeremonyRef, Evidence, Ref, Tweet, ceremony_of
from kg.resolve.model import ORG_KINDS, Corpus, Entity
from kg.resolve.names import name_key, person_names, slugify, work_names


class Entities:
    """The entities of ``corpus`` (added to ``corpus.entities`` as they are made)."""

    def __init__(self, corpus: Corpus, gaz: Gazetteer) -> None:
        self.corpus = corpus
        self.gaz = gaz
        self._person_canon: dict[str, str | None] = {}
        self._work_canon: dict[str, str] = {}
        self.ids: dict[tuple[str, str], str] = {}
        self._used_ids: set[str] = set()
        self._ceremony_entities: dict[CeremonyRef, Entity] = {}

    def learn_names(self, facts: Iterable[ArticleFacts]) -> None:
        """Which spelling names each work, then each person (a tweet's author is
        a person only if the name is not a work's)."""
        facts = list(facts)
        works: Counter[str] = Counter()
        for f in facts:
            for m in f.mentions:
                if m.ref.kind == "work":
                    works[m.ref.name] += 1
            for x in [*f.credits, *f.airs]:
                works[x.work.name] += 1
            for n in f.nominations:
                if n.work:
                    works[n.work.name] += 1
        self._work_canon = work_names(works)
        people: Counter[str] = Counter()
        for f in facts:
            for m in f.mentions:
                if m.ref.kind == "person":
                    people[m.ref.name] += 1
            for t in f.tweets:
                if self.author_kind(t) == "person":
                    people[t.author] += 1
        self._person_canon = person_names(people, self.gaz)

    def note(self, ent: Entity, ev: Evidence) -> None:
        """Keep up to three sentences that mention ``ent`` (the first is its evidence)."""
        if len(ent.evidence) < 3 and ev not in ent.evidence:
            ent.evidence.append(ev)

    def _entity(self, kind: str, key: str, name: str, subkind: str | None = None) -> Entity:
        ident = self.ids.get((kind, key))
        if ident is None:
            base = f"{kind}/{slugify(name)}"
            ident = base
            n = 2
            while ident in self._used_ids:
                ident = f"{base}-{n}"
                n += 1
            self._used_ids.add(ident)
            self.ids[(kind, key)] = ident
            self.corpus.entities[ident] = Entity(ident, kind, name, subkind)
        ent = self.corpus.entities[ident]
        if subkind and (ent.subkind is None or ORG_KINDS.index(subkind) < ORG_KINDS.index(
                ent.subkind)):
            ent.subkind = subkind
        return ent
    def author_kind(self, t: Tweet) -> str | None:
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
