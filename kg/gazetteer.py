"""Domain knowledge loaded from data files under ``ontology/``.

Awards, their categories and ceremonies, networks, outlets, organisations,
venues, given-name diminutives and category paraphrase rules all live in JSON
so that covering a new award or outlet is a data change, not a code change.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ONTOLOGY_DIR = Path(
    os.environ.get("KG_ONTOLOGY", Path(__file__).resolve().parent.parent / "ontology"))


def ordinal(n: int) -> str:
    """72 -> '72nd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=1 << 16)  # the same names are folded over and over
def fold(text: str) -> str:
    """Case- and apostrophe-insensitive key for names."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return _SPACES.sub(" ", text).strip().casefold()


@dataclass(frozen=True)
class AwardInfo:
    name: str
    aliases: tuple[str, ...]
    presenter: str | None
    ceremony_pattern: str
    ceremony_aliases: tuple[str, ...]
    first_year: int
    month: int | None
    categories: tuple[str, ...]
    # older names of prizes that ``categories`` holds under their current name:
    # recognised when written out in full, never offered for a paraphrase
    former_categories: tuple[str, ...] = ()
    skipped_years: tuple[int, ...] = ()  # years without a ceremony, for the numbering

    @functools.cached_property
    def folded_names(self) -> dict[str, str]:
        """Folded category name -> the name (current names first), computed once:
        matching asks this for every run of category words in every article."""
        out: dict[str, str] = {}
        for c in (*self.categories, *self.former_categories):
            out.setdefault(fold(c), c)
        return out

    def ceremony_name(self, year: int) -> str:
        return self._fill(self.ceremony_pattern, year)

    def ceremony_alias_names(self, year: int) -> list[str]:
        return [self._fill(p, year) for p in self.ceremony_aliases]

    def ordinal_for(self, year: int) -> int:
        return year - self.first_year + 1 - sum(1 for y in self.skipped_years if y < year)

    def year_for(self, ordinal_number: int) -> int:
        year = self.first_year + ordinal_number - 1
        for skipped in sorted(self.skipped_years):  # the Tonys held none in 2020
            if skipped <= year:
                year += 1
        return year

    def _fill(self, pattern: str, year: int) -> str:
        return pattern.replace("{ordinal}", ordinal(self.ordinal_for(year))).replace(
            "{year}", str(year)
        )


@dataclass(frozen=True)
class NamedThing:
    name: str
    aliases: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    cue_only: bool = False


@dataclass
class CategoryRules:
    synonyms: dict[str, str]
    ignored: frozenset[str]
    soft: frozenset[str]
    connectors: frozenset[str]
    openers: frozenset[str]
    role_words: frozenset[str]
    head_words: frozenset[str]
    lead_word: str
    supporting_word: str
    performer_words: frozenset[str]

    female_words: frozenset[str] = frozenset()
    artist_words: frozenset[str] = frozenset()
    record_words: frozenset[str] = frozenset()
    alternates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    acting_words: frozenset[str] = frozenset()

    def is_artist_prize(self, category: str) -> bool:
        """A prize for an artist, not for a work: "Best New Artist", "Top
        Duo/Group" (but not "Best Collaboration", which a record wins)."""
        feats = self.features(category)
        return bool(feats & self.artist_words) and not feats & self.record_words

    def features(self, text: str) -> frozenset[str]:
        """The words of a category name that tell categories apart, normalised:
        "leading actress" -> {lead, actor, female}. Gender is a feature of its
        own, so "Best Actress", "Female Actor in a Leading Role" and "Best
        Female Lead" share it; a lead or supporting category always concerns
        an actor, whether or not its name says so ("Best Supporting Female")."""
        words = re.findall(r"[\w+]+", text.casefold())
        out = set()
        for w in words:
            if w in self.female_words:
                out.add("female")
            w = self.synonyms.get(w, w)
            if w not in self.ignored:
                out.add(w)
        if out & self.acting_words and not out & self.performer_words:
            out.add("actor")
        return frozenset(out)


@dataclass
class Gazetteer:
    """All domain lists, with lookups by folded alias."""

    awards: list[AwardInfo]
    networks: list[NamedThing]
    outlets: list[NamedThing]
    organizations: list[NamedThing]
    venues: list[NamedThing]
    nicknames: dict[str, frozenset[str]]
    category_rules: CategoryRules
    award_by_alias: dict[str, AwardInfo] = field(default_factory=dict)
    _by_kind: dict[str, dict[str, NamedThing]] = field(default_factory=dict)
    category_vocab: frozenset[str] = frozenset()
    _category_features: dict[str, list[tuple[str, frozenset[str]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for award in self.awards:
            for alias in (award.name, *award.aliases):
                self.award_by_alias.setdefault(fold(alias), award)
        for kind, things in (
            ("network", self.networks),
            ("outlet", self.outlets),
            ("organization", self.organizations),
            ("place", self.venues),
        ):
            table: dict[str, NamedThing] = {}
            for thing in things:
                for alias in (thing.name, *thing.aliases):
                    table.setdefault(fold(alias), thing)
            self._by_kind[kind] = table
        rules = self.category_rules
        vocab = set(rules.connectors) | set(rules.openers) | set(rules.synonyms)
        for award in self.awards:
            feats = []
            for cat in award.former_categories:
                vocab.update(re.findall(r"[\w+]+", cat.casefold()))
            for cat in award.categories:
                vocab.update(re.findall(r"[\w+]+", cat.casefold()))
                feats.append((cat, rules.features(cat)))
            self._category_features[award.name] = feats
        self.category_vocab = frozenset(vocab)

    def lookup(self, kind: str, name: str) -> NamedThing | None:
        return self._by_kind[kind].get(fold(name))

    def award(self, name: str) -> AwardInfo | None:
        return self.award_by_alias.get(fold(name))

    def award_named(self, canonical: str) -> AwardInfo:
        return next(a for a in self.awards if a.name == canonical)

    def by_handle(self, handle: str) -> tuple[str, NamedThing] | None:
        return self._handles.get(handle.casefold())

    @functools.cached_property
    def _handles(self) -> dict[str, tuple[str, NamedThing]]:
        """Casefolded account handle -> its owner (outlets first, then
        organizations, then networks), built once: every tweet asks."""
        out: dict[str, tuple[str, NamedThing]] = {}
        for kind in ("outlet", "organization", "network"):
            for thing in self._by_kind[kind].values():
                for h in thing.handles:
                    out.setdefault(h.casefold(), (kind, thing))
        return out

    def given_name_keys(self, name: str) -> set[str]:
        """Keys two given names share exactly when ``same_given_name`` holds for
        them: the name itself and the diminutive families it belongs to (lets
        callers group names instead of comparing every pair)."""
        name = name.casefold()
        return {"=" + name, *("~" + family for family in self.nicknames.get(name, ()))}

    def same_given_name(self, a: str, b: str) -> bool:
        """True when two given names are the same or diminutives of one name."""
        a, b = a.casefold(), b.casefold()
        none: frozenset[str] = frozenset()
        return a == b or bool(self.nicknames.get(a, none) & self.nicknames.get(b, none))

    def is_given_name(self, word: str) -> bool:
        """Whether ``word`` is a known given name: in the diminutives list, or in
        gender-guesser's dictionary of about 40,000 first names (a cheap, strong
        signal that a capitalised pair is a person, not a title)."""
        return word.casefold() in self.nicknames or _known_first_name(word)

    def gender(self, first_name: str) -> str | None:
        """"m", "f" or None (unknown or used for both): used only to check that
        "she" or "he" can refer to a person."""
        if not first_name[:1].isupper() or not first_name.isalpha():
            return None
        g = first_names().get(first_name.lower(), "unknown")
        return {"male": "m", "mostly_male": "m", "female": "f", "mostly_female": "f"}.get(g)

    def _fitting(self, award: str, core: frozenset[str], mention: frozenset[str]
                 ) -> list[tuple[str, frozenset[str]]]:
        return [(c, f) for c, f in self._category_features.get(award, []) if core <= f
                and ("female" in f) == ("female" in mention)]

    def match_category(self, award: str, text: str) -> tuple[str, ...]:
        """Official categories of ``award`` that the mention ``text`` may denote,
        best first (fewest words the mention leaves unsaid)."""
        rules = self.category_rules
        mention = rules.features(text)
        if not mention:
            return ()
        info = self.award_by_alias.get(fold(award))
        exact = info.folded_names.get(fold(text)) if info else None
        if exact:
            return (exact,)
        core = mention - rules.soft
        fits = self._fitting(award, core, mention)
        if not fits:
            # each award names its prizes its own way: "best picture" is the Spirit
            # Awards' "Best Feature" and BAFTA's "Best Film"; "best leading actor"
            # is the Oscars' "Best Actor"
            for word in sorted(core & set(rules.alternates)):
                for alt in rules.alternates[word]:
                    swapped = (core - {word}) | ({alt} if alt else set())  # "": drop it
                    fits = self._fitting(award, frozenset(swapped), mention)
                    if fits:
                        break
                if fits:
                    break
        if not fits:
            return ()
        is_performer = bool(mention & rules.performer_words)
        if is_performer and rules.supporting_word not in mention:
            lead_fits = [(c, f) for c, f in fits if rules.supporting_word not in f]
            fits = lead_fits or fits
            with_lead = [(c, f) for c, f in fits if rules.lead_word in f]
            fits = with_lead or fits
        order = {c: n for n, (c, _) in enumerate(self._category_features.get(award, []))}
        fits.sort(key=lambda cf: (len(cf[1] - mention), order[cf[0]]))  # main prizes first
        return tuple(c for c, _ in fits)


def _named(items: list[dict], handles_key: str = "twitter_handles") -> list[NamedThing]:
    return [
        NamedThing(
            name=item["name"],
            aliases=tuple(item.get("aliases", ())),
            handles=tuple(item.get(handles_key, ())),
            cue_only=bool(item.get("cue_only", False)),
        )
        for item in items
    ]


def _read(path: Path, model: str) -> dict:
    """A data file, checked against its model in ``kg.datafiles`` (which is
    imported only by what loads the gazetteer, not by every reader of
    ``ONTOLOGY_DIR``)."""
    from kg import datafiles

    return datafiles.read_data(path, getattr(datafiles, model))


_NOT_FIRST_NAMES = frozenset({"the", "a", "an", "of", "and", "in", "on", "for", "to", "best",
                              "outstanding", "young", "king", "page", "sky", "storm"})


_VERDICTS = ("male", "mostly_male", "female", "mostly_female", "andy")


@cache
def first_names() -> dict[str, str]:
    """gender-guesser's verdict ("male", "mostly_female", "andy", ...) on each
    first name it knows, by lower-case name, as one small table: its detector
    keeps every name's figures for 50 countries, five times the memory, in every
    process that reads names (``kg.nlp`` makes the table before workers fork,
    so they share it). Making it reads the detector's whole name list, so the
    table is kept in the user's cache (``kg.user_cache``) for the next run."""
    import gender_guesser.detector

    from kg.user_cache import cached_table, source_key

    def make() -> dict[str, str]:
        detector = gender_guesser.detector.Detector(case_sensitive=False)
        return {name: detector.get_gender(name) for name in sorted(detector.names)}

    module = Path(gender_guesser.detector.__file__)
    key = source_key([module, module.parent / "data" / "nam_dict.txt"], "first-names-1")
    verdicts = {v: v for v in _VERDICTS}  # one string per verdict, shared by every name
    table = cached_table("first-names", key, make,
                         valid=lambda table: set(table.values()) <= verdicts.keys())
    return {name: verdicts[v] for name, v in table.items()}


@cache
def _known_first_name(word: str) -> bool:
    if not word[:1].isupper() or word.casefold() in _NOT_FIRST_NAMES or not word.isalpha():
        return False
    return word.lower() in first_names()


def preload() -> None:
    """Read the gazetteers and the first-name table now, once per process (a
    fifth of a second): a build's own process reads them while its
    extraction process loads the model, rather than after it."""
    load_gazetteer()
    first_names()


@cache
def load_gazetteer(directory: Path = ONTOLOGY_DIR) -> Gazetteer:
    """Load every gazetteer file once per process."""
    gaz = directory / "gazetteers"
    awards = []
    for item in _read(gaz / "awards.json", "AwardsFile").get("awards", []):
        ceremony = item.get("ceremony", {})
        awards.append(
            AwardInfo(
                name=item["name"],
                aliases=tuple(item.get("aliases", ())),
                presenter=item.get("presenter"),
                ceremony_pattern=ceremony.get("name", "{year} " + item["name"] + "s"),
                ceremony_aliases=tuple(ceremony.get("aliases", ())),
                first_year=int(ceremony.get("first_year", 1)),
                month=ceremony.get("month"),
                categories=tuple(item.get("categories", ())),
                former_categories=tuple(item.get("former_categories", ())),
                skipped_years=tuple(ceremony.get("skipped_years", ())),
            )
        )
    nick: dict[str, set[str]] = {}
    for full, shorts in _read(gaz / "nicknames.json", "NicknamesFile").get("nicknames", {}).items():
        group = {full.casefold(), *(s.casefold() for s in shorts)}
        for name in group:
            nick.setdefault(name, set()).add(full.casefold())
    raw_rules = _read(directory / "patterns" / "categories.json", "CategoryRulesFile")
    rules = CategoryRules(
        synonyms=dict(raw_rules.get("synonyms", {})),
        ignored=frozenset(raw_rules.get("ignored", ())),
        soft=frozenset(raw_rules.get("soft", ())),
        connectors=frozenset(raw_rules.get("connectors", ())),
        openers=frozenset(raw_rules.get("openers", ())),
        role_words=frozenset(raw_rules.get("role_words", ())),
        head_words=frozenset(raw_rules.get("head_words", ())),
        lead_word=raw_rules.get("lead_word", "lead"),
        supporting_word=raw_rules.get("supporting_word", "supporting"),
        performer_words=frozenset(raw_rules.get("performer_words", ())),
        artist_words=frozenset(raw_rules.get("artist_words", ())),
        record_words=frozenset(raw_rules.get("record_words", ())),
        female_words=frozenset(raw_rules.get("female_words", ())),
        acting_words=frozenset(raw_rules.get("acting_words", ())),
        alternates={k: tuple(v) for k, v in raw_rules.get("alternates", {}).items()},
    )
    return Gazetteer(
        awards=awards,
        networks=_named(_read(gaz / "networks.json", "NetworksFile").get("networks", [])),
        outlets=_named(_read(gaz / "outlets.json", "OutletsFile").get("outlets", [])),
        organizations=_named(_read(gaz / "organizations.json", "OrganizationsFile")
                             .get("organizations", [])),
        venues=_named(_read(gaz / "venues.json", "VenuesFile").get("venues", [])),
        nicknames={k: frozenset(v) for k, v in nick.items()},
        category_rules=rules,
    )
