"""The entities of one resolution (or one part of one, see ``kg.resolve.parts``):
each created once, under an id made from its kind and name key, and found
again by any spelling of its name.

It is given the corpus's name maps first (``use_names``: which spelling names
each person and work, see ``kg.resolve.parts.name_maps``), so that each
accessor (``person``, ``work``, ``org`` ...) then returns the one entity for a
spelling, creating it on first use.
"""

from __future__ import annotations

import re

from kg.gazetteer import Gazetteer, fold
from kg.records import CeremonyRef, Evidence, Ref, Tweet, ceremony_of
from kg.resolve.model import ORG_KINDS, Corpus, Entity
from kg.resolve.names import name_key, slugify

# what is made once per gazetteer, not once per ``Entities`` (a store links each
# article with an ``Entities`` of its own): id(gazetteer) -> (gazetteer, value)
_PER_GAZETTEER: dict[tuple[str, int], tuple[Gazetteer, object]] = {}


def _once_per(gaz: Gazetteer, name: str, make):  # noqa: ANN001, ANN202
    found = _PER_GAZETTEER.get((name, id(gaz)))
    if found is None or found[0] is not gaz:
        found = _PER_GAZETTEER[(name, id(gaz))] = (gaz, make())
    return found[1]


def _award_names(gaz: Gazetteer) -> re.Pattern[str]:
    """Every award's names and presenter, folded and padded, as one pattern
    built once (asked for every tweet author; one name at a time was thousands
    of substring tests per author)."""
    def make() -> re.Pattern[str]:
        names = sorted({f" {fold(name)} " for a in gaz.awards
                        for name in (a.name, *a.aliases, a.presenter or "")
                        if name and len(name) > 3})
        return re.compile("|".join(map(re.escape, names)) or r"(?!)")
    return _once_per(gaz, "award names", make)


def _ceremony_names(gaz: Gazetteer, ref: CeremonyRef) -> tuple[str, list[str], int]:
    """A ceremony's name, its other names and its ordinal, from the gazetteer."""
    table: dict[CeremonyRef, tuple[str, list[str], int]] = _once_per(gaz, "ceremonies", dict)
    found = table.get(ref)
    if found is None:
        info = gaz.award_named(ref.award)
        name = info.ceremony_name(ref.year)
        found = table[ref] = (name, [a for a in info.ceremony_alias_names(ref.year) if a != name],
                              info.ordinal_for(ref.year))
    return found


_KEY_SEPARATOR = "\x1f"  # between kind and key in a provisional id


def provisional_id(kind: str, key: str) -> str:
    """An entity's id before a merge numbers ids that share a slug."""
    return f"{kind}{_KEY_SEPARATOR}{key}"


def id_base(ent: Entity) -> str:
    """The final id an entity (under its provisional id) is numbered from
    (``-2``, ``-3`` where bases meet): its kind and the slug of its name. A
    category's names its award too ("category/primetime-emmy-award-best-actor"),
    in full (official category names run past a hundred characters): named
    by its name alone, every award's "Best Actor" shared one base, so an
    article naming one more award's renumbered them all, and every
    nomination and page that cited them."""
    award = ent.attrs.get("award") if ent.kind == "category" else None
    if award:
        award_key = award.partition(_KEY_SEPARATOR)[2]
        return f"category/{slugify(award_key, 200)}-{slugify(ent.name, 200)}"
    return f"{ent.kind}/{slugify(ent.name)}"


class Entities:
    """The entities of ``corpus`` (added to ``corpus.entities`` as they are made)."""

    def __init__(self, corpus: Corpus, gaz: Gazetteer) -> None:
        self.corpus = corpus
        self.gaz = gaz
        self._person_canon: dict[str, str | None] = {}
        self._work_canon: dict[str, str] = {}
        self.ids: dict[tuple[str, str], str] = {}
        self._ceremony_entities: dict[CeremonyRef, Entity] = {}
        # An entity's id here is its kind and key (``provisional_id``); the merge
        # of parts (``kg.resolve.parts``) gives the final ones. Every touch is
        # ranked by ``at`` (set by the linking functions to where the fact being
        # linked stands: article, step, place) and a call number, so that what
        # parts resolved apart say of one entity can be put in one order.
        self.at: tuple = ("",)
        self._calls = 0
        self.first_rank: dict[str, tuple] = {}
        self.best_note: dict[str, tuple[tuple, Evidence]] = {}
        self.owner_rank: dict[str, tuple] = {}

    def order_key(self, ident: str) -> str:
        """What breaks a tie between entities the same in every part: kind and
        slug of the name, as the final id has them (the id here is provisional)."""
        return id_base(self.corpus.entities[ident])

    def rank(self) -> tuple:
        self._calls += 1
        return (*self.at, self._calls)

    def _touched(self, ent: Entity) -> None:
        rank = self.rank()
        if rank < self.first_rank.get(ent.id, (chr(0x10FFFF),)):
            self.first_rank[ent.id] = rank

    def set_owner(self, account: Entity, owner: Entity) -> None:
        account.attrs["owner"] = owner.id
        self.owner_rank[account.id] = self.rank()

    def use_names(self, work_canon: dict[str, str],
                  person_canon: dict[str, str | None]) -> None:
        """Take name maps made elsewhere (a part of a corpus is linked with the
        whole corpus's maps)."""
        self._work_canon, self._person_canon = work_canon, person_canon

    def note(self, ent: Entity, ev: Evidence) -> None:
        """Keep up to three sentences that mention ``ent`` (the first is its evidence)."""
        if len(ent.evidence) < 3 and ev not in ent.evidence:
            ent.evidence.append(ev)
        rank = self.rank()
        best = self.best_note.get(ent.id)
        if best is None or rank < best[0]:
            self.best_note[ent.id] = (rank, ev)

    def _entity(self, kind: str, key: str, name: str, subkind: str | None = None) -> Entity:
        ident = self.ids.get((kind, key))
        if ident is None:
            ident = self.ids[(kind, key)] = provisional_id(kind, key)
            self.corpus.entities[ident] = Entity(ident, kind, name, subkind)
        ent = self.corpus.entities[ident]
        self._touched(ent)
        if subkind and (ent.subkind is None or ORG_KINDS.index(subkind) < ORG_KINDS.index(
                ent.subkind)):
            ent.subkind = subkind
        return ent
    def author_kind(self, t: Tweet) -> str | None:
        """What owns the tweet's account (see ``account_kind``)."""
        return self.account_kind(t.author, t.handle)

    def account_kind(self, author: str, handle: str) -> str | None:
        """What owns an account of this name and handle: "person", "work", an
        organisation kind, or None when the signature names nobody ("— (@b)
        May 1, 2021", a row of emoji): the account is then known by its handle
        alone."""
        if self.gaz.by_handle(handle):
            return self.gaz.by_handle(handle)[0]
        if not name_key(author):
            return None
        for kind in ORG_KINDS:
            if self.gaz.lookup(kind, author):
                return kind
        key = name_key(author)
        if key in self._work_canon:
            return "work"
        if self._names_award(author):
            return "organization"  # "Harbor Music Awards", "Recording Academy / Harbors"
        if "(" in author or any(key[:i] in self._work_canon
                                for i, c in enumerate(key) if c == " "):
            return "organization"  # "Show Name (Network)": a show's fan or network account
        if re.sub(r"\W", "", author.casefold()) == handle.casefold() and \
                any(c.isupper() for c in author[1:]) and " " not in author and \
                not any(c.isdigit() for c in author):
            return "organization"  # a brand-style account name: "NowThis"
        return "person"

    def _names_award(self, author: str) -> bool:
        """Whether an account name names an award or its presenter (the show's
        or academy's own account, not a person)."""
        return _award_names(self.gaz).search(f" {fold(author)} ") is not None

    def person(self, name: str) -> Entity | None:
        canonical = self._person_canon.get(name, name if name not in self._person_canon else None)
        if canonical is None:
            return None
        ent = self._entity("person", name_key(canonical), canonical)
        if name != canonical:
            ent.add_aliases((name,))
        return ent

    def work(self, name: str) -> Entity:
        canonical = self._work_canon.get(name_key(name), name.replace("’", "'"))
        ent = self._entity("work", name_key(canonical), canonical)
        if name.replace("’", "'") != canonical:
            ent.add_aliases((name,))
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
            ent.add_aliases(a for a in thing.aliases if a != canonical)
        if name != canonical:
            ent.add_aliases((name,))
        return ent

    def award(self, name: str) -> Entity:
        info = self.gaz.award(name)
        canonical = info.name if info else name
        ent = self._entity("award", name_key(canonical), canonical)
        if info:
            ent.add_aliases(info.aliases)
        return ent

    def ceremony(self, ref: CeremonyRef) -> Entity:
        found = self._ceremony_entities.get(ref)
        if found is None:
            found = self._ceremony_entities[ref] = self._new_ceremony(ref)
        else:
            self._touched(found)
        return found

    def _new_ceremony(self, ref: CeremonyRef) -> Entity:
        name, aliases, ordinal = _ceremony_names(self.gaz, ref)
        ent = self._entity("ceremony", name_key(name), name)
        ent.add_aliases(aliases)
        ent.attrs.update(award=self.award(ref.award).id, year=ref.year, ordinal=ordinal)
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
