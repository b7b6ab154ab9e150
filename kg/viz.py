"""Render a kg RDF graph as a self-contained, offline, interactive HTML page.

The page is built on pyvis (which bundles vis-network 9.1.2), but it does not use
pyvis's own HTML template, for three reasons found by reading pyvis 0.3.2:

* the template always loads Bootstrap from ``cdn.jsdelivr.net``, whatever
  ``cdn_resources`` says, so the page would not work offline;
* its select menu writes node ids into the page without HTML escaping;
* as soon as any tooltip contains the substring ``href`` it switches to a popup
  that assigns the tooltip with ``innerHTML`` - one hostile tweet would be enough.

So pyvis's ``Network`` collects the node and edge dictionaries and this module
writes the page itself: vis-network's script and style sheet are inlined from
the pyvis package, the data travels as JSON in a ``<script type="application/json">``
block (with ``<``, ``>`` and ``&`` escaped so text can never close the block),
and every tooltip is plain text that the page turns into a DOM element with
``textContent``. Text placed in HTML markup (title, legend) goes through
``html.escape``. Article and tweet text is untrusted; none of it is ever parsed as
HTML.

The RDF model uses n-ary nodes (``kg:Nomination``, ``kg:Credit``) and provenance
nodes (``kg:Evidence``); drawn as they are, they hide the facts behind an extra
hop. They are collapsed here into labelled edges between the entities, and the
provenance goes into the tooltips instead.
"""

from __future__ import annotations

import difflib
import html
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import product
from pathlib import Path
from string import Template
from typing import Any

import networkx as nx
from pyvis.network import Network
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDFS
from rdflib.term import Node as Term

from kg.atomic import replace_from, temp_beside, write_atomic
from kg.triple_index import TripleIndex
from kg.vocab import KG, SCHEMA

__all__ = ["CHROMIUM_ARGS", "CHROMIUM_PATH", "EVIDENCE_KINDS", "KINDS", "LAYOUT_THRESHOLD",
           "VizStats", "render_html", "screenshot"]

#: Debian's Chromium; Playwright's own browser downloads are not available offline.
CHROMIUM_PATH = "/usr/bin/chromium"
#: Headless flags that keep Chromium from phoning home, so "no network request"
#: checks only see what the page itself asks for.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

#: vis-network bundled with pyvis 0.3.2; another pyvis release may ship another version.
_VIS_VERSION = "vis-9.1.2"

_LABEL_MAX = 32  # characters of a node label; the full name is in the tooltip
#: Kinds that are evidence rather than the story: by default they are counts and
#: lists in an entity's detail panel, not nodes (``evidence_nodes=True`` draws them).
EVIDENCE_KINDS = frozenset({"tweet", "quotation", "article"})
#: Kinds kept even with no drawn edge in the overview: an outlet is linked only
#: to the articles that cite it, and those are not drawn there.
_KEEP_ALONE = frozenset({"outlet"})
#: Above this many drawn nodes the layout is computed before the page opens
#: (igraph, seeded) and the browser's physics stays off, so a large page is
#: usable at once instead of after a long simulation.
LAYOUT_THRESHOLD = 150
_PANEL_LIST_MAX = 40  # facts, tweets, quotations, articles listed in one detail panel
_TOOLTIP_TEXT_MAX = 600  # characters of tweet / quotation / sentence text in a tooltip
_TOOLTIP_LIST_MAX = 12  # articles, mentions ... listed in one tooltip


@dataclass(frozen=True)
class Kind:
    """How one type of entity is drawn; the legend is generated from these."""

    key: str
    label: str
    shape: str  # a vis-network shape with the label below it
    color: str  # fill
    border: str
    classes: tuple[URIRef, ...]


#: Entity types in legend order. When a node has several types, the first kind
#: in this order wins (a NewsArticle is also a CreativeWork in schema.org, but
#: it should be drawn as an article, not as a work).
KINDS: tuple[Kind, ...] = (
    Kind("person", "Person", "dot", "#4e79a7", "#2f4b6b", (SCHEMA.Person,)),
    Kind("work", "Work (series, film)", "square", "#f28e2b", "#a65a12",
         (SCHEMA.CreativeWork, SCHEMA.TVSeries, SCHEMA.Movie, SCHEMA.TVSeason,
          SCHEMA.TVEpisode, SCHEMA.MusicAlbum, SCHEMA.MusicRecording)),
    Kind("organisation", "Organisation", "hexagon", "#59a14f", "#356130",
         (SCHEMA.Organization,)),
    Kind("outlet", "News outlet", "hexagon", "#76b7b2", "#3f7a75",
         (SCHEMA.NewsMediaOrganization,)),
    Kind("award", "Award", "star", "#edc948", "#a68a1c", (KG.Award,)),
    Kind("category", "Award category", "diamond", "#e15759", "#9c2a2c", (KG.AwardCategory,)),
    Kind("ceremony", "Award ceremony", "triangle", "#b07aa1", "#74476a", (KG.AwardCeremony,)),
    Kind("tweet", "Tweet", "triangleDown", "#ff9da7", "#c25563", (SCHEMA.SocialMediaPosting,)),
    Kind("account", "Social account", "dot", "#f1b6da", "#b0649a", (KG.Account,)),
    Kind("article", "News article", "square", "#9c755f", "#634636",
         (SCHEMA.NewsArticle, SCHEMA.Article)),
    Kind("quotation", "Quotation", "diamond", "#bab0ac", "#7a706b", (SCHEMA.Quotation,)),
    Kind("place", "Place", "triangle", "#8cd17d", "#4d8a3f", (SCHEMA.Place,)),
    Kind("other", "Other", "dot", "#d4d4d4", "#8a8a8a", ()),
)
_KIND_BY_KEY = {k.key: k for k in KINDS}
_KIND_ORDER = {k.key: i for i, k in enumerate(KINDS)}
# Specific classes first, so that e.g. NewsMediaOrganization beats Organization.
_KIND_PRIORITY = ("tweet", "article", "quotation", "ceremony", "category", "award", "account",
                  "outlet", "organisation", "person", "place", "work")
_CLASS_KIND: dict[URIRef, str] = {}
for _key in reversed(_KIND_PRIORITY):
    for _cls in _KIND_BY_KEY[_key].classes:
        _CLASS_KIND[_cls] = _key

#: Reification and provenance nodes: folded into edges and tooltips, never drawn.
_HIDDEN_CLASSES = frozenset({KG.Nomination, KG.Credit, KG.Evidence, RDF.Statement})
#: Properties that mark an untyped node as a nomination, credit or evidence.
_HIDDEN_MARKERS = (KG.nominee, KG.performer, KG.sentence, RDF.subject)

#: Edge label of a credit, by ``kg:role``.
_ROLE_LABEL = {
    "actor": "acted in",
    "actress": "acted in",
    "performer": "acted in",
    "voice": "voiced in",
    "host": "hosted",
    "creator": "created",
    "director": "directed",
    "writer": "wrote",
    "producer": "produced",
}

#: Plain triples drawn as labelled edges: (predicate, label, drawn object -> subject).
_SIMPLE_EDGES: tuple[tuple[URIRef, str, bool], ...] = (
    (KG.network, "airs on", False),
    (KG.cites, "cites", False),
    (KG.embeds, "embeds", False),
    (KG.host, "hosted by", False),
    (KG.venue, "held at", False),
    (KG.award, "of", False),
    (KG.speaker, "said", True),  # quotation kg:speaker person, drawn person -> quotation
)

_EDGE_WON = "won"
_EDGE_NOMINATED = "nominated for"
_EDGE_COLOR = "#8a8a8a"
_EDGE_STYLE: dict[str, dict[str, object]] = {
    _EDGE_WON: {"color": {"color": "#c9a227", "highlight": "#8c6d00", "hover": "#8c6d00"},
                "width": 2.5},
    _EDGE_NOMINATED: {"color": {"color": "#b8b8b8", "highlight": "#707070", "hover": "#707070"},
                      "dashes": True, "width": 1.2},
}

#: Predicates that the collapsing code below handles (or deliberately ignores);
#: any other object property between two drawn entities becomes a generic edge.
_HANDLED = frozenset({
    RDF.type, SCHEMA.name, SCHEMA.alternateName, SCHEMA.mentions, SCHEMA.author, SCHEMA.text,
    SCHEMA.datePublished, SCHEMA.headline, SCHEMA.sameAs, SCHEMA.url, OWL.sameAs,
    KG.nominee, KG.category, KG.forWork, KG.ceremony, KG.won, KG.nominatedFor, KG.wonAward,
    KG.award, KG.host, KG.venue, KG.ordinal, KG.performer, KG.work, KG.role, KG.character,
    KG.actedIn, KG.network, KG.handle, KG.account, KG.hashtag, KG.link, KG.embeds,
    KG.sourceFile, KG.cites, KG.speaker, KG.evidence, KG.inArticle, KG.sentence,
    KG.startOffset, KG.endOffset, KG.confidence,
})


@dataclass(frozen=True)
class VizStats:
    """What was drawn; ``total_*`` count the graph before ``focus``/``max_nodes``."""

    nodes: int
    edges: int
    total_nodes: int
    total_edges: int


@dataclass
class _VNode:
    term: Term
    kind: str
    name: str
    sort_key: tuple[object, ...]


@dataclass
class _VEdge:
    src: Term
    dst: Term
    label: str
    facts: set[Term] = field(default_factory=set)  # nodes whose evidence supports the edge
    notes: set[str] = field(default_factory=set)  # extra tooltip lines ("as Jane")


# --------------------------------------------------------------------------- public API


def render_html(
    graph: Graph | TripleIndex,
    out: Path,
    *,
    focus: str | None = None,
    hops: int = 2,
    max_nodes: int | None = None,
    title: str = "kg knowledge graph",
    evidence_nodes: bool = False,
) -> VizStats:
    """Write ``graph`` as an interactive HTML page to ``out`` and return what was drawn.

    ``focus`` keeps the nodes within ``hops`` hops of the node(s) whose canonical
    name (or alias) equals ``focus``, ignoring case; a ``ValueError`` lists close
    names when there is none. ``max_nodes`` then keeps the most connected nodes
    (ties broken by name, so the cut is deterministic); focus nodes are always kept.
    Tweets, quotations and articles are evidence: they appear as counts and lists
    in each entity's detail panel, and as nodes only with ``evidence_nodes``.
    The same graph and arguments always give byte-identical output, and the file
    is replaced atomically so a reader never sees half a page.
    """
    if hops < 0:
        raise ValueError(f"hops must be >= 0, not {hops}")
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"max_nodes must be >= 1, not {max_nodes}")
    model = _Model(graph)
    total_nodes, total_edges = len(model.nodes), len(model.edges)
    drawable_total = total_nodes if evidence_nodes else sum(
        1 for n in model.nodes.values() if n.kind not in EVIDENCE_KINDS)
    keep = _select(model, focus=focus, hops=hops, max_nodes=max_nodes,
                   evidence_nodes=evidence_nodes)
    page, n_nodes, n_edges = _page(model, keep, title=title, focus=focus, hops=hops,
                                   total_nodes=drawable_total)
    write_atomic(Path(out), page.encode("utf-8"), durable=True)
    return VizStats(n_nodes, n_edges, total_nodes, total_edges)


def screenshot(html_path: Path, png: Path, width: int = 1600, height: int = 1000,
               select: str | None = None) -> None:
    """Save a PNG of the page as headless Chromium draws it once the layout settled;
    with ``select``, after searching for that name (its detail panel open).

    Needs the optional ``playwright`` package and Debian's ``/usr/bin/chromium``
    (Playwright's own browser download is not used).
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("screenshot() needs playwright: pip install playwright") from exc
    if not Path(CHROMIUM_PATH).exists():
        raise RuntimeError(f"screenshot() needs Chromium at {CHROMIUM_PATH}: "
                           "apt-get install chromium")
    png = Path(png)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM_PATH, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(Path(html_path).resolve().as_uri())
            page.wait_for_function("window.kgReady === true", timeout=60_000)
            if select:
                page.fill("#kg-search", select)
                page.press("#kg-search", "Enter")
                page.locator("#kg-panel").wait_for(state="visible", timeout=10_000)
                page.wait_for_timeout(600)  # the zoom to the node is animated (400 ms)
            tmp = temp_beside(png)
            try:
                page.screenshot(path=str(tmp), type="png")
                replace_from(tmp, png)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        finally:
            browser.close()


# --------------------------------------------------------------------------- RDF -> model


class _Model:
    """The drawable view of the RDF graph: entity nodes and collapsed edges."""

    def __init__(self, graph: Graph | TripleIndex) -> None:
        # asked for objects and subjects hundreds of thousands of times: an
        # index answers faster than rdflib's store (``kg.triple_index``)
        self.g = graph if isinstance(graph, TripleIndex) else TripleIndex.of_graph(graph)
        self.kinds: dict[Term, str | None] = {}
        self._bnode_keys: dict[Term, tuple[str, str]] = {}
        self.nodes: dict[Term, _VNode] = {}
        self.edges: dict[tuple[Term, str, Term], _VEdge] = {}
        self._pairs: set[tuple[Term, Term]] = set()
        self._reified: dict[tuple[Term, str, Term], list[Term]] = defaultdict(list)
        self._owner = self._account_owners()
        self._collect_entities()
        self._collect_edges()
        self.appearances = self._appearances()

    # --- small RDF helpers -------------------------------------------------

    def literal(self, s: Term, p: URIRef) -> str | None:
        """One value of a literal property, chosen deterministically (English first)."""
        values = [o for o in self.g.objects(s, p) if isinstance(o, Literal)]
        if not values:
            return None
        # a tag's case means nothing (Oxigraph reads "EN" as "en", rdflib keeps it)
        best = min(values, key=lambda o: ((o.language or "en").lower() != "en", str(o)))
        return str(best).strip() or None

    def objects(self, s: Term, p: URIRef) -> list[Term]:
        """Resource objects, sorted so that every choice made from them is stable."""
        return sorted((o for o in self.g.objects(s, p) if not isinstance(o, Literal)),
                      key=self.term_key)

    def term_key(self, t: Term) -> tuple[str, str]:
        """Sort key that does not depend on blank-node labels (they change per parse)."""
        if not isinstance(t, BNode):
            return ("0", str(t))
        key = self._bnode_keys.get(t)
        if key is None:
            sig = sorted(f"{p} {o}" for p, o in self.g.predicate_objects(t)
                         if not isinstance(o, BNode))
            key = self._bnode_keys[t] = ("1", "\n".join(sig))
        return key

    def kind(self, t: Term) -> str | None:
        """Kind key of a drawable term; None for literals and hidden (n-ary) nodes."""
        if t in self.kinds:
            return self.kinds[t]
        result: str | None
        types = set(self.g.objects(t, RDF.type))
        if isinstance(t, Literal) or types & _HIDDEN_CLASSES or any(
            (t, p, None) in self.g for p in _HIDDEN_MARKERS
        ):
            result = None
        else:
            found = {_CLASS_KIND[c] for c in types if c in _CLASS_KIND}
            if not found and (t, KG.handle, None) in self.g:
                found = {"account"}  # an untyped account, e.g. only a tweet's schema:author
            result = next((k for k in _KIND_PRIORITY if k in found), "other")
        self.kinds[t] = result
        return result

    def name(self, t: Term) -> str:
        """Canonical display name: schema:name, else a name derived from the node."""
        name = (self.literal(t, SCHEMA.name) or self.literal(t, SCHEMA.headline)
                or self.literal(t, RDFS.label))
        if name:
            return _one_line(name)
        kind = self.kind(t)
        if kind == "tweet":
            author = self.author(t)
            handle = self.handle(t)
            who = f"@{handle}" if handle else (self.name(author) if author is not None else "")
            return f"Tweet {who}".strip()
        if kind in ("quotation", "other"):
            text = self.literal(t, SCHEMA.text)
            if text:
                return f"\u201c{_shorten(_one_line(text), 40)}\u201d"
        if kind == "account" and (handle := self.literal(t, KG.handle)):
            return f"@{handle.lstrip('@')}"
        source = self.literal(t, KG.sourceFile)
        if source:
            return source
        if isinstance(t, URIRef):
            local = re.split(r"[/#]", str(t).rstrip("/#"))[-1]
            return local or str(t)
        return "(unnamed)"

    def subjects_of(self, o: Term, p: URIRef) -> list[Term]:
        """Subjects ``s`` with ``s p o``, sorted (who embeds a tweet, ...)."""
        return sorted(self.g.subjects(p, o), key=self.term_key)

    def owner(self, t: Term) -> Term:
        """The person/organisation an account speaks for, or the term itself."""
        return self._owner.get(t, t)

    def author(self, tweet: Term) -> Term | None:
        """Who posted a tweet: the account's person/organisation when known."""
        authors = self.objects(tweet, SCHEMA.author)
        return self.owner(authors[0]) if authors else None

    def handle(self, tweet: Term) -> str | None:
        """Handle of the tweet's account, without "@"."""
        for acc in self.objects(tweet, SCHEMA.author):
            handle = self.literal(acc, KG.handle)
            if handle:
                return handle.lstrip("@")
            for owned in self.accounts_of.get(acc, []):
                handle = self.literal(owned, KG.handle)
                if handle:
                    return handle.lstrip("@")
        return None

    # --- construction ------------------------------------------------------

    def _account_owners(self) -> dict[Term, Term]:
        """Map accounts to what they speak for, so a tweet hangs off the person, not
        off a handle node that would only add a hop."""
        owners: dict[Term, Term] = {}
        accounts_of: dict[Term, list[Term]] = defaultdict(list)
        for acc in set(self.g.subjects(RDF.type, KG.Account)) | set(self.g.subjects(KG.account)):
            targets = self.objects(acc, KG.account)
            if targets:
                owners[acc] = targets[0]
                accounts_of[targets[0]].append(acc)
        self.accounts_of = {k: sorted(v, key=self.term_key) for k, v in accounts_of.items()}
        return owners

    def node(self, t: Term) -> Term | None:
        """Ensure ``t`` (or the owner of account ``t``) is a drawn node; None if undrawable."""
        t = self.owner(t)
        if t in self.nodes:
            return t
        kind = self.kind(t)
        if kind is None:
            return None
        name = self.name(t)
        self.nodes[t] = _VNode(t, kind, name,
                               (_KIND_ORDER[kind], name.casefold(), name, self.term_key(t)))
        return t

    def _collect_entities(self) -> None:
        """Every named or typed entity is a node, even without any drawable edge."""
        candidates = set(self.g.subjects(RDF.type)) | set(self.g.subjects(SCHEMA.name))
        for t in sorted(candidates, key=self.term_key):
            if isinstance(t, Literal) or t in self._owner:
                continue  # accounts with a known owner are drawn as their owner
            if self.kind(t) == "other" and not self.literal(t, SCHEMA.name):
                continue  # e.g. ontology terms (owl:Class ...) merged into the graph
            self.node(t)

    def edge(self, s: Term, label: str, o: Term, fact: Term | None = None) -> _VEdge | None:
        """Add (or merge into) the edge s -label-> o; ``fact`` is where its evidence hangs.

        Edges are keyed by (source, label, target), so a fact stated by several
        nominations or by a shortcut triple too is drawn once.
        """
        src, dst = self.node(s), self.node(o)
        if src is None or dst is None:
            return None
        key = (src, label, dst)
        e = self.edges.get(key)
        if e is None:
            e = self.edges[key] = _VEdge(src, dst, label)
            self._pairs.add((src, dst))
        if fact is not None:
            e.facts.add(fact)
        e.facts.update(self._reified.get((s, label, o), ()))
        return e

    def _linked(self, a: Term, b: Term) -> bool:
        """Whether some edge a -> b is drawn already (so a shortcut would repeat it)."""
        return (self.owner(a), self.owner(b)) in self._pairs

    def _facts(self, cls: URIRef, marker: URIRef) -> list[Term]:
        """N-ary fact nodes, typed or recognised by their key property."""
        found = set(self.g.subjects(RDF.type, cls)) | set(self.g.subjects(marker))
        return sorted(found, key=self.term_key)

    def _collect_edges(self) -> None:
        """Collapse n-ary nodes and draw the plain relations (see the module
        docstring), in this order: credits first, so that a nomination "for
        work" does not repeat "acted in"; shortcut triples only where the n-ary
        nodes did not already say it."""
        self._reifications()
        self._credit_edges()
        for nom in self._facts(KG.Nomination, KG.nominee):
            self._nomination_edges(nom)
        self._shortcut_edges()
        self._simple_edges()
        self._evidence_edges()
        self._generic_edges()

    def _reifications(self) -> None:
        """Evidence for plain triples can only be attached through RDF reification."""
        g = self.g
        for st in sorted(g.subjects(RDF.subject), key=self.term_key):
            for s, p, o in product(g.objects(st, RDF.subject), g.objects(st, RDF.predicate),
                                   g.objects(st, RDF.object)):
                for pred, label, reverse in _SIMPLE_EDGES:
                    if pred == p:
                        self._reified[(o, label, s) if reverse else (s, label, o)].append(st)

    def _credit_edges(self) -> None:
        for cr in self._facts(KG.Credit, KG.performer):
            role = (self.literal(cr, KG.role) or "").casefold()
            label = _ROLE_LABEL.get(role, f"{role} of" if role else "credited in")
            for person in self.objects(cr, KG.performer):
                for work in self.objects(cr, KG.work):
                    e = self.edge(person, label, work, cr)
                    character = self.literal(cr, KG.character)
                    if e is not None and character:
                        e.notes.add(f"as {character}")

    def _nomination_edges(self, nom: Term) -> None:
        """Category at ceremony; nominee won / was nominated for the category (or
        the ceremony when there is none), noted with the work and ceremony;
        nominee for work, unless another edge links them already."""
        won = any(o.toPython() is True or str(o).lower() == "true"
                  for o in self.g.objects(nom, KG.won) if isinstance(o, Literal))
        label = _EDGE_WON if won else _EDGE_NOMINATED
        categories = self.objects(nom, KG.category)
        ceremonies = self.objects(nom, KG.ceremony)
        works = self.objects(nom, KG.forWork)
        for cat in categories:
            for cer in ceremonies:
                self.edge(cat, "at", cer, nom)
        for nominee in self.objects(nom, KG.nominee):
            for target in categories or ceremonies:
                e = self.edge(nominee, label, target, nom)
                if e is not None:
                    e.notes.update(f"for {self.name(w)}" for w in works if w != nominee)
                    if categories:
                        e.notes.update(f"at {self.name(c)}" for c in ceremonies)
            for work in works:
                key = (self.owner(nominee), "for work", self.owner(work))
                if key[0] == key[2]:
                    continue  # the nominee is the work itself (best series ...)
                if key in self.edges or not self._linked(nominee, work):
                    self.edge(nominee, "for work", work, nom)

    def _shortcut_edges(self) -> None:
        g = self.g
        for s, o in sorted(g.subject_objects(KG.wonAward), key=self._pair_key):
            self.edge(s, _EDGE_WON, o)
        for s, o in sorted(g.subject_objects(KG.nominatedFor), key=self._pair_key):
            if not self._linked(s, o):
                self.edge(s, _EDGE_NOMINATED, o)
        for s, o in sorted(g.subject_objects(KG.actedIn), key=self._pair_key):
            if not self._linked(s, o):
                self.edge(s, "acted in", o)

    def _simple_edges(self) -> None:
        for pred, label, reverse in _SIMPLE_EDGES:
            for s, o in sorted(self.g.subject_objects(pred), key=self._pair_key):
                if isinstance(o, Literal):
                    continue
                if reverse:
                    self.edge(o, label, s, s)
                else:
                    self.edge(s, label, o)

    def _evidence_edges(self) -> None:
        """Quotations to their articles, tweets to their authors and mentions."""
        g = self.g
        for q in sorted(g.subjects(RDF.type, SCHEMA.Quotation), key=self.term_key):
            for article in self._articles_of_fact(q):
                self.edge(q, "quoted in", article, q)
        for t in sorted(g.subjects(RDF.type, SCHEMA.SocialMediaPosting), key=self.term_key):
            author = self.author(t)
            if author is not None:
                self.edge(author, "posted", t)
            for m in self.objects(t, SCHEMA.mentions):
                self.edge(t, "mentions", m)

    def _generic_edges(self) -> None:
        """Draw other object properties between entities, so new predicates show up."""
        # the triples that may make one, in a fixed order (sorting every triple
        # of the graph was a tenth of drawing a large one)
        candidates = [(s, p, o) for s, p, o in self.g if p not in _HANDLED
                      and not isinstance(o, Literal) and isinstance(p, URIRef)]
        for s, p, o in sorted(candidates, key=lambda t: (self.term_key(t[0]), str(t[1]),
                                                         self.term_key(t[2]))):
            src, dst = self.owner(s), self.owner(o)
            if src not in self.nodes or dst not in self.nodes:
                continue
            if self.nodes[src].kind == "article":
                continue  # articles relate to everything they mention: a hairball
            local = re.split(r"[/#]", str(p))[-1]
            self.edge(s, re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).lower(), o)

    def _pair_key(self, pair: tuple[Term, Term]) -> tuple[object, ...]:
        return (self.term_key(pair[0]), self.term_key(pair[1]))

    # --- provenance --------------------------------------------------------

    def _articles_of_fact(self, fact: Term) -> list[Term]:
        arts = set(self.g.objects(fact, KG.inArticle))
        for ev in self.g.objects(fact, KG.evidence):
            arts.update(self.g.objects(ev, KG.inArticle))
        return sorted((a for a in arts if not isinstance(a, Literal)), key=self.term_key)

    def article_ref(self, article: Term) -> str:
        """How an article is cited in tooltips: its file name, else its name."""
        return self.literal(article, KG.sourceFile) or self.name(article)

    def evidence_key(self, ev: Term) -> tuple[object, ...]:
        arts = [self.article_ref(a) for a in self.objects(ev, KG.inArticle)]
        start = self.literal(ev, KG.startOffset)
        offset = int(start) if start and start.lstrip("-").isdigit() else 1 << 62
        return (min(arts) if arts else "", offset, self.literal(ev, KG.sentence) or "")

    def best_evidence(self, facts: Iterable[Term]) -> tuple[str, str | None] | None:
        """The first (by article, offset) evidence sentence of some facts, with its article."""
        evs = {ev for f in facts for ev in self.g.objects(f, KG.evidence)
               if self.literal(ev, KG.sentence)}
        if not evs:
            return None
        ev = min(evs, key=self.evidence_key)
        arts = sorted(self.article_ref(a) for a in self.objects(ev, KG.inArticle))
        return self.literal(ev, KG.sentence) or "", (arts[0] if arts else None)

    def evidence_lists(self) -> dict[Term, tuple[list[Term], list[Term]]]:
        """Per entity: the tweets it posted or that mention it, and the quotations
        it said (each sorted), for the detail panel and the overview's counts."""
        tweets: dict[Term, set[Term]] = defaultdict(set)
        quotes: dict[Term, set[Term]] = defaultdict(set)
        for t in self.g.subjects(RDF.type, SCHEMA.SocialMediaPosting):
            author = self.author(t)
            if author is not None:
                tweets[author].add(t)
            for m in self.g.objects(t, SCHEMA.mentions):
                tweets[self.owner(m)].add(t)
        for q in self.g.subjects(RDF.type, SCHEMA.Quotation):
            for speaker in self.g.objects(q, KG.speaker):
                quotes[self.owner(speaker)].add(q)
        return {x: (sorted(tweets.get(x, ()), key=self.term_key),
                    sorted(quotes.get(x, ()), key=self.term_key))
                for x in tweets.keys() | quotes.keys()}

    def _appearances(self) -> dict[Term, tuple[set[Term], set[Term]]]:
        """Per node: (articles it appears in, facts whose evidence concerns it)."""
        result: dict[Term, tuple[set[Term], set[Term]]] = defaultdict(lambda: (set(), set()))
        g = self.g
        for article, m in g.subject_objects(SCHEMA.mentions):
            if self.kind(article) == "article":
                result[self.owner(m)][0].add(article)
        for article, t in g.subject_objects(KG.embeds):
            result[self.owner(t)][0].add(article)
        fact_roles = (KG.nominee, KG.category, KG.forWork, KG.ceremony, KG.performer, KG.work,
                      KG.speaker, RDF.subject, RDF.object)
        for fact in set(g.subjects(KG.evidence)) | set(g.subjects(KG.inArticle)):
            if self.kind(fact) is None and (fact, RDF.type, KG.Evidence) in g:
                continue
            arts = self._articles_of_fact(fact)
            participants = {self.owner(fact)}
            if self.kind(fact) in (None, "quotation"):
                for role in fact_roles:
                    participants.update(self.owner(o) for o in g.objects(fact, role))
            for x in participants:
                result[x][0].update(arts)
                result[x][1].add(fact)
        return result


# --------------------------------------------------------------------------- selection


def _select(model: _Model, *, focus: str | None, hops: int, max_nodes: int | None,
            evidence_nodes: bool) -> set[Term]:
    """Apply --focus/--hops and --max-nodes with networkx; return the terms to draw."""
    drawable = {t for t, n in model.nodes.items()
                if evidence_nodes or n.kind not in EVIDENCE_KINDS}
    g = nx.MultiGraph()
    g.add_nodes_from(drawable)
    g.add_edges_from((e.src, e.dst) for e in model.edges.values()
                     if e.src in drawable and e.dst in drawable)
    keep = set(drawable)
    centres: set[Term] = set()
    if focus is not None:
        centres = _find(model, focus)
        if not centres & drawable:
            raise ValueError(f"{focus!r} is a tweet, quotation or article: these are "
                             "drawn as nodes only with evidence nodes on (--evidence-nodes)")
        centres &= drawable
        keep = set()
        for c in centres:
            keep.update(nx.single_source_shortest_path_length(g, c, cutoff=hops))
    # an entity only an article mentions (a place, a platform named in passing) has no
    # drawn edge; floating alone it adds clutter, not information
    connected = {t for t in keep if g.degree(t) > 0 or (
        not evidence_nodes and model.nodes[t].kind in _KEEP_ALONE)} | centres
    keep = connected if connected else keep
    if max_nodes is not None and len(keep) > max_nodes:
        sub = g.subgraph(keep)
        ranked = sorted(keep, key=lambda t: (t not in centres, -sub.degree(t),
                                             model.nodes[t].sort_key[1:]))
        keep = set(ranked[:max_nodes])
    return keep


def _find(model: _Model, query: str) -> set[Term]:
    """Nodes whose name or alias equals ``query`` ignoring case and spacing."""
    def norm(s: str) -> str:
        return " ".join(s.split()).casefold()

    q = norm(query)
    exact = {t for t, n in model.nodes.items() if norm(n.name) == q}
    if not exact:
        exact = {t for t in model.nodes
                 if any(norm(a) == q for a in _aliases(model, t))}
    if exact:
        return exact
    names = sorted({n.name for n in model.nodes.values()}, key=_folded)
    by_norm = {norm(n): n for n in names}
    close = difflib.get_close_matches(q, list(by_norm), n=8, cutoff=0.6)
    close += [k for k in by_norm if q and q in k and k not in close]
    hint = ", ".join(repr(by_norm[k]) for k in close[:8]) or "none"
    raise ValueError(f"no node named {query!r} in the graph; close names: {hint}")


def _aliases(model: _Model, t: Term) -> list[str]:
    name = model.nodes[t].name
    return sorted({_one_line(str(o)) for o in model.g.objects(t, SCHEMA.alternateName)
                   if isinstance(o, Literal) and _one_line(str(o)) != name}, key=_folded)


# --------------------------------------------------------------------------- tooltips


def _counts_line(counts: dict[str, int]) -> str | None:
    """ "3 tweets · 1 quotation · 5 articles" (what the overview does not draw)."""
    parts = [f"{n} {what}{'s' if n != 1 else ''}" for what, n in counts.items() if n]
    return " \u00b7 ".join(parts) or None


def _node_tooltip(model: _Model, t: Term, kind: str) -> str:
    """Plain-text tooltip; the page inserts it with textContent, never as HTML."""
    node = model.nodes[t]
    label = _KIND_BY_KEY[kind].label
    # A tweet's "name" is made up from its handle; the lines below say it better.
    lines = [label if kind == "tweet" else f"{label}: {node.name}"]
    aliases = _aliases(model, t)
    if aliases:
        lines.append("Also known as: " + "; ".join(aliases))
    lines.extend(_KIND_LINES.get(kind, _no_lines)(model, t))
    handles = [f"@{h.lstrip('@')}" for acc in model.accounts_of.get(t, [])
               if (h := model.literal(acc, KG.handle))]
    if handles:
        lines.append("Accounts: " + ", ".join(handles))
    date = model.literal(t, SCHEMA.datePublished)
    if date:
        lines.append("Date: " + date)
    articles, facts = model.appearances.get(t, (set(), set()))
    if kind != "article":
        refs = sorted({model.article_ref(a) for a in articles})
        if refs:
            lines.append("In articles: " + _join_capped(refs))
    evidence = model.best_evidence({t} | facts)
    if evidence is not None:
        sentence, article = evidence
        lines.append(_evidence_line(sentence, article))
    if isinstance(t, URIRef):
        lines.append("IRI: " + str(t))
    return "\n".join(lines)


def _tweet_lines(model: _Model, t: Term) -> list[str]:
    lines = []
    text = model.literal(t, SCHEMA.text)
    if text:
        lines.append("Text: " + _shorten(text, _TOOLTIP_TEXT_MAX))
    author = model.author(t)
    if author is not None:
        lines.append("Author: " + model.name(author))
    handle = model.handle(t)
    if handle:
        lines.append(f"Handle: @{handle}")
    return lines


def _quotation_lines(model: _Model, t: Term) -> list[str]:
    lines = []
    text = model.literal(t, SCHEMA.text)
    if text:
        lines.append("Text: " + _shorten(text, _TOOLTIP_TEXT_MAX))
    speakers = [model.name(s) for s in model.objects(t, KG.speaker)]
    if speakers:
        lines.append("Speaker: " + "; ".join(speakers))
    return lines


def _article_lines(model: _Model, t: Term) -> list[str]:
    lines = []
    source = model.literal(t, KG.sourceFile)
    if source:
        lines.append("File: " + source)
    mentioned = sorted({model.nodes[m].name for m in map(model.owner, model.objects(
        t, SCHEMA.mentions)) if m in model.nodes}, key=_folded)
    if mentioned:
        lines.append("Mentions: " + _join_capped(mentioned))
    return lines


def _no_lines(model: _Model, t: Term) -> list[str]:
    return []


# the tooltip lines only some kinds of node have, after the name and aliases
_KIND_LINES = {"tweet": _tweet_lines, "quotation": _quotation_lines, "article": _article_lines}


def _edge_tooltip(model: _Model, e: _VEdge) -> str:
    lines = [f"{model.nodes[e.src].name} \u2192 {e.label} \u2192 {model.nodes[e.dst].name}"]
    lines.extend(sorted(e.notes, key=_folded))
    confidences = sorted({c for f in e.facts if (c := model.literal(f, KG.confidence))})
    if confidences:
        lines.append("Confidence: " + ", ".join(confidences))
    evidence = model.best_evidence(e.facts)
    if evidence is not None:
        lines.append(_evidence_line(*evidence))
    else:
        refs = sorted({model.article_ref(a) for f in e.facts
                       for a in model._articles_of_fact(f)})
        if refs:
            lines.append("Article: " + _join_capped(refs))
    return "\n".join(lines)


def _evidence_line(sentence: str, article: str | None) -> str:
    text = f"Evidence: \u201c{_shorten(_one_line(sentence), _TOOLTIP_TEXT_MAX)}\u201d"
    return f"{text}\nArticle: {article}" if article else text


def _folded(text: str) -> tuple[str, str]:
    """Sort key: case-insensitive, then by the text itself, so that spellings
    that differ only in case ("BAFTAs", "Baftas") come in one order whatever
    order a set gave them in (it changes with each process's hash seed)."""
    return text.casefold(), text


def _one_line(s: str) -> str:
    return " ".join(s.split())


def _shorten(s: str, limit: int) -> str:
    """Cut to ``limit`` characters, at a word boundary when there is one nearby."""
    if len(s) <= limit:
        return s
    cut = s[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "\u2026"


def _join_capped(items: list[str]) -> str:
    shown = ", ".join(items[:_TOOLTIP_LIST_MAX])
    extra = len(items) - _TOOLTIP_LIST_MAX
    return f"{shown} \u2026 and {extra} more" if extra > 0 else shown


# --------------------------------------------------------------------------- page


def _options(laid_out: bool = False) -> dict[str, object]:
    """vis-network options: fixed seed and bounded stabilization, so layout is
    repeatable; for a graph laid out already (``_layout``), no simulation at all."""
    groups = {
        k.key: {
            "shape": k.shape,
            "color": {
                "background": k.color, "border": k.border,
                "highlight": {"background": k.color, "border": "#000000"},
                "hover": {"background": k.color, "border": "#000000"},
            },
        }
        for k in KINDS
    }
    options: dict[str, Any] = {
        "groups": groups,
        "layout": {"randomSeed": 42, "improvedLayout": True},
        "physics": {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -90, "centralGravity": 0.012,
                                 "springLength": 130, "springConstant": 0.05,
                                 "damping": 0.5, "avoidOverlap": 0.6},
            "maxVelocity": 60,
            "minVelocity": 0.75,
            "timestep": 0.5,
            "stabilization": {"enabled": True, "iterations": 600, "updateInterval": 50,
                              "fit": True},
        },
        "nodes": {
            "borderWidth": 1.5,
            "font": {"size": 16, "face": "sans-serif", "color": "#222222",
                     "strokeWidth": 3, "strokeColor": "#ffffff"},
        },
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "color": {"color": _EDGE_COLOR, "highlight": "#333333", "hover": "#333333"},
            "font": {"size": 11, "face": "sans-serif", "color": "#555555",
                     "strokeWidth": 3, "strokeColor": "#ffffff", "align": "horizontal"},
            # Edge labels fade out when zoomed out far enough to make them unreadable
            # (the overview of ~100 nodes), and come back on zooming in.
            "scaling": {"label": {"drawThreshold": 8}},
            "smooth": {"enabled": True, "type": "continuous", "roundness": 0.3},
            "width": 1.2,
            "selectionWidth": 1.5,
        },
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": True,
                        "navigationButtons": False, "keyboard": False},
    }
    if laid_out:
        options["physics"] = {"enabled": False}
        options["layout"] = {"improvedLayout": False}
        options["edges"]["smooth"] = False
        # important names stay readable when zoomed out, none shouts when zoomed in
        options["nodes"]["scaling"] = {
            "min": 8, "max": 48,
            "label": {"enabled": True, "min": 10, "max": 56, "maxVisible": 24,
                      "drawThreshold": 7}}
    return options


@dataclass
class _Drawing:
    """What is drawn: nodes in order, their ids, the edges between them and the
    counts that size them."""

    drawn: list[_VNode]
    ids: dict[Term, str]
    edges: list[_VEdge]
    edge_ids: dict[int, str]
    degree: dict[Term, int]
    wins: dict[Term, int]
    incident: dict[Term, list[_VEdge]]


def _drawing(model: _Model, keep: set[Term]) -> _Drawing:
    drawn = sorted((model.nodes[t] for t in keep), key=lambda n: n.sort_key)
    ids = {n.term: f"n{i}" for i, n in enumerate(drawn)}
    edges = sorted((e for e in model.edges.values() if e.src in ids and e.dst in ids),
                   key=lambda e: (int(ids[e.src][1:]), e.label, int(ids[e.dst][1:])))
    d = _Drawing(drawn, ids, edges, {id(e): f"e{i}" for i, e in enumerate(edges)},
                 defaultdict(int), defaultdict(int), defaultdict(list))
    for e in edges:
        if e.label == _EDGE_WON:
            d.wins[e.src] += 1
        for end in (e.src, e.dst):
            d.degree[end] += 1
            d.incident[end].append(e)
    return d


def _page(model: _Model, keep: set[Term], *, title: str, focus: str | None, hops: int,
          total_nodes: int) -> tuple[str, int, int]:
    """Build pyvis node/edge dicts for ``keep`` and fill the page template."""
    d = _drawing(model, keep)
    positions = _layout(d.drawn, d.edges, d.ids) if len(d.drawn) > LAYOUT_THRESHOLD else {}
    net = Network(directed=True, cdn_resources="in_line")
    _add_nodes(net, model, d, positions)
    _add_edges(net, model, d)
    nodes, edge_dicts, *_ = net.get_network_data()
    counts_by_kind: dict[str, int] = defaultdict(int)
    for n in d.drawn:
        counts_by_kind[n.kind] += 1
    payload = {"nodes": nodes, "edges": edge_dicts, "options": _options(laid_out=bool(positions))}
    status = f"{len(d.drawn)} nodes \u00b7 {len(d.edges)} edges"
    if focus is not None:
        status += f" \u00b7 within {hops} hop{'s' if hops != 1 else ''} of \u201c{focus}\u201d"
    if len(d.drawn) < total_nodes:
        status += f" \u00b7 {total_nodes} in the whole graph"
    css, js = _vis_assets()
    page = _PAGE.substitute(
        title=html.escape(title),
        status=html.escape(status),
        legend=_legend_html(counts_by_kind),
        scopes=_scope_html(d.drawn),
        vis_css=css,
        vis_js=js,
        data=_script_json(payload),
        app_js=_APP_JS,
    )
    return page, len(d.drawn), len(d.edges)


def _add_nodes(net: Network, model: _Model, d: _Drawing,
               positions: dict[Term, tuple[int, int]]) -> None:
    """Each drawn node with its tooltip (counting its tweets, quotations and
    articles), its detail panel, and its place when laid out here."""
    evidence = model.evidence_lists()
    for n in d.drawn:
        tweets, quotes = evidence.get(n.term, ([], []))
        articles = sorted({model.article_ref(a) for a in model.appearances.get(
            n.term, (set(), set()))[0]}) if n.kind != "article" else []
        counts = {"tweet": len(tweets), "quotation": len(quotes), "article": len(articles)}
        tooltip = _node_tooltip(model, n.term, n.kind)
        if (line := _counts_line(counts)) is not None:
            tooltip += "\n" + line
        size = round(min(40.0, 10.0 + 4.0 * math.sqrt(d.degree[n.term])), 1)
        extra: dict[str, object] = {}
        if positions:  # size and label by importance: links, and wins twice over
            extra.update(x=positions[n.term][0], y=positions[n.term][1],
                         value=d.degree[n.term] + 2 * d.wins[n.term])
        net.add_node(d.ids[n.term], label=_shorten(n.name, _LABEL_MAX), shape=_KIND_BY_KEY[
            n.kind].shape, group=n.kind, title=tooltip, size=size, name=n.name,
            panel=_panel(model, n, d, tweets, quotes, articles), **extra)


def _add_edges(net: Network, model: _Model, d: _Drawing) -> None:
    """Each drawn edge with its style, tooltip and the ceremony and award it
    belongs to (for the page's filters)."""
    pair_count: dict[frozenset[str], int] = defaultdict(int)
    for e in d.edges:
        a, b = d.ids[e.src], d.ids[e.dst]
        extra = dict(_EDGE_STYLE.get(e.label, {}))
        k = pair_count[frozenset((a, b))]
        pair_count[frozenset((a, b))] += 1
        if k:  # parallel edges: bend each one further so that the labels do not overlap
            extra["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.2 * k}
        cer, award = _edge_scope(model, e, d.ids)
        net.add_edge(a, b, id=d.edge_ids[id(e)], label=e.label, title=_edge_tooltip(model, e),
                     won=e.label == _EDGE_WON, cer=cer, award=award, **extra)


def _layout(drawn: list[_VNode], edges: list[_VEdge], ids: dict[Term, str]
            ) -> dict[Term, tuple[int, int]]:
    """Node positions for a large graph, computed here rather than by the page's
    physics (minutes of simulation at thousands of nodes): igraph's
    Fruchterman-Reingold with a fixed seed, so the same graph is always drawn
    the same way, scaled so neighbours sit about an edge label apart. Nodes
    with no edge (an outlet known only from the articles citing it) go in rows
    under the picture: laid out with the rest they would be pushed far out and
    shrink the picture to a dot."""
    import random

    import igraph

    linked = sorted({e.src for e in edges} | {e.dst for e in edges}, key=ids.__getitem__,
                    ) if edges else []
    index = {t: i for i, t in enumerate(linked)}
    positions: dict[Term, tuple[int, int]] = {}
    bottom, left, right = 0.0, 0.0, 0.0
    if linked:
        graph = igraph.Graph(n=len(linked), edges=sorted({(index[e.src], index[e.dst])
                                                          for e in edges}))
        igraph.set_random_number_generator(random.Random(42))
        try:
            coords = graph.layout_fruchterman_reingold(niter=500).coords
        finally:
            igraph.set_random_number_generator(random)
        xs, ys = [c[0] for c in coords], [c[1] for c in coords]
        span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
        scale = 150.0 * math.sqrt(len(linked)) / span
        cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
        for t, (x, y) in zip(linked, coords, strict=True):
            positions[t] = (round((x - cx) * scale), round((y - cy) * scale))
        bottom = max(p[1] for p in positions.values()) + 200.0
        left = min(p[0] for p in positions.values())
        right = max(p[0] for p in positions.values())
    alone = [n.term for n in drawn if n.term not in positions]
    per_row = max(8, int((right - left) // 160) + 1)
    for k, t in enumerate(alone):
        positions[t] = (round(left + 160 * (k % per_row)), round(bottom + 120 * (k // per_row)))
    return positions


def _edge_scope(model: _Model, e: _VEdge, ids: dict[Term, str]) -> tuple[list[str], list[str]]:
    """The drawn ceremonies and awards an edge belongs to, for the page's filters:
    a win or nomination belongs to its ceremony and that ceremony's award."""
    ceremonies: set[Term] = set()
    for f in e.facts:
        ceremonies.update(model.owner(c) for c in model.g.objects(f, KG.ceremony))
    awards: set[Term] = set()
    for end in (e.src, e.dst):
        kind = model.nodes[end].kind
        if kind == "ceremony":
            ceremonies.add(end)
        elif kind == "award":
            awards.add(end)
        elif kind == "category":
            awards.update(model.g.objects(end, KG.award))
    for c in ceremonies:
        awards.update(model.g.objects(c, KG.award))
    return (sorted(ids[c] for c in ceremonies if c in ids),
            sorted(ids[a] for a in awards if a in ids))


def _scope_html(drawn: list[_VNode]) -> str:
    """The ceremony and award filter menus (names escaped for HTML)."""
    menus = []
    for kind, label in (("ceremony", "Ceremony"), ("award", "Award")):
        options = "".join(f'<option value="n{i}">{html.escape(_shorten(n.name, 60))}</option>'
                          for i, n in enumerate(drawn) if n.kind == kind)
        menus.append(f'<select id="kg-{kind}" aria-label="{label}">'
                     f'<option value="">Any {label.lower()}</option>{options}</select>')
    return "".join(menus)


def _panel(model: _Model, n: _VNode, d: _Drawing, tweets: list[Term], quotes: list[Term],
           articles: list[str]) -> dict[str, object]:
    """What the detail panel shows for one node, as plain strings the page puts
    in with textContent: its facts (each with its evidence and the nodes it
    links), tweets, quotations and articles, each list capped."""
    facts = []
    order = {_EDGE_WON: 0, _EDGE_NOMINATED: 1}
    for e in sorted(d.incident[n.term], key=lambda e: (
            order.get(e.label, 2), model.nodes[e.src].name, e.label, model.nodes[e.dst].name)):
        fact: dict[str, object] = {
            "text": f"{model.nodes[e.src].name} {e.label} {model.nodes[e.dst].name}",
            "notes": sorted(e.notes, key=_folded), "edge": d.edge_ids[id(e)],
            "nodes": [d.ids[e.src], d.ids[e.dst]]}
        best = model.best_evidence(e.facts)
        if best is not None:
            fact["evidence"] = _shorten(_one_line(best[0]), _TOOLTIP_TEXT_MAX)
            fact["article"] = best[1] or ""
        facts.append(fact)
    tweet_rows = []
    for t in tweets[:_PANEL_LIST_MAX]:
        author = model.author(t)
        handle = model.handle(t)
        tweet_rows.append({
            "by": " ".join(x for x in (model.name(author) if author is not None else "",
                                       f"@{handle}" if handle else "") if x),
            "date": model.literal(t, SCHEMA.datePublished) or "",
            "text": _shorten(_one_line(model.literal(t, SCHEMA.text) or ""), _TOOLTIP_TEXT_MAX),
            "article": ", ".join(model.article_ref(a) for a in model.subjects_of(t, KG.embeds))})
    quote_rows = [{"text": _shorten(_one_line(model.literal(q, SCHEMA.text) or ""),
                                    _TOOLTIP_TEXT_MAX),
                   "article": ", ".join(model.article_ref(a) for a in model._articles_of_fact(q))}
                  for q in quotes[:_PANEL_LIST_MAX]]
    return {
        "type": _KIND_BY_KEY[n.kind].label, "aliases": _aliases(model, n.term),
        "facts": facts[:_PANEL_LIST_MAX], "moreFacts": max(0, len(facts) - _PANEL_LIST_MAX),
        "tweets": tweet_rows, "moreTweets": max(0, len(tweets) - _PANEL_LIST_MAX),
        "quotes": quote_rows, "moreQuotes": max(0, len(quotes) - _PANEL_LIST_MAX),
        "articles": articles[:_PANEL_LIST_MAX],
        "moreArticles": max(0, len(articles) - _PANEL_LIST_MAX),
    }


def _script_json(value: object) -> str:
    """JSON that is safe inside <script>: no "<", ">" or "&" can end the block early."""
    text = json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    """vis-network's CSS and JS from the pyvis package, checked safe to inline."""
    lib = resources.files("pyvis") / "templates" / "lib"
    base = lib / _VIS_VERSION
    if not base.is_dir():  # newer pyvis: take the newest vis-network it bundles
        versions = [d for d in lib.iterdir() if d.is_dir() and d.name.startswith("vis-")]
        if not versions:
            raise RuntimeError("pyvis does not bundle vis-network; cannot build the page")
        base = max(versions, key=lambda d: [int(x) for x in re.findall(r"\d+", d.name)])
    css = (base / "vis-network.css").read_text(encoding="utf-8")
    js = (base / "vis-network.min.js").read_text(encoding="utf-8")
    if "</style" in css.lower() or "</script" in js.lower():
        raise RuntimeError("vis-network asset cannot be inlined safely")
    return css, js


def _shape_svg(shape: str, fill: str, stroke: str, dashed: bool = False) -> str:
    """A 16x16 picture of a vis-network shape, for the legend."""
    attrs = f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"'
    star = " ".join(
        f"{8 + r * math.sin(math.pi * i / 5):.1f},{8.5 - r * math.cos(math.pi * i / 5):.1f}"
        for i, r in ((i, 7.0 if i % 2 == 0 else 3.0) for i in range(10))
    )
    body = {
        "dot": f'<circle cx="8" cy="8" r="6" {attrs}/>',
        "square": f'<rect x="2" y="2" width="12" height="12" {attrs}/>',
        "diamond": f'<polygon points="8,1 15,8 8,15 1,8" {attrs}/>',
        "triangle": f'<polygon points="8,2 14.5,14 1.5,14" {attrs}/>',
        "triangleDown": f'<polygon points="1.5,2 14.5,2 8,14" {attrs}/>',
        "hexagon": f'<polygon points="8,1 14.1,4.5 14.1,11.5 8,15 1.9,11.5 1.9,4.5" {attrs}/>',
        "star": f'<polygon points="{star}" {attrs}/>',
        "line": f'<line x1="1" y1="8" x2="15" y2="8" stroke="{stroke}" stroke-width="2.5"'
                + (' stroke-dasharray="3,2"' if dashed else "") + "/>",
    }[shape]
    return f'<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">{body}</svg>'


def _legend_html(counts: dict[str, int]) -> str:
    """Legend rows; each node type doubles as a show/hide filter checkbox."""
    rows = []
    for k in KINDS:
        n = counts.get(k.key, 0)
        if not n:
            continue  # nothing to show or hide (evidence is counted in the panels)
        rows.append(
            f'<li class="kg-kind{" kg-empty" if not n else ""}" data-kind="{html.escape(k.key)}">'
            f'<label><input type="checkbox" checked data-kind="{html.escape(k.key)}">'
            f"{_shape_svg(k.shape, k.color, k.border)}"
            f'<span class="kg-name">{html.escape(k.label)}</span>'
            f'<span class="kg-count">{n}</span></label></li>'
        )
    edge_rows = [
        (_shape_svg("line", "none", "#c9a227"), "won"),
        (_shape_svg("line", "none", "#b8b8b8", dashed=True), "nominated for (did not win)"),
        (_shape_svg("line", "none", _EDGE_COLOR), "other relation (label on the edge)"),
    ]
    edge_items = "".join(
        f'<li>{svg}<span class="kg-name">{html.escape(text)}</span></li>'
        for svg, text in edge_rows
    )
    return (
        '<h2>Node types</h2><ul class="kg-kinds">' + "".join(rows) + "</ul>"
        '<h2>Edges</h2><ul class="kg-edges">' + edge_items + "</ul>"
    )


# The page. string.Template substitutes in one pass, so text inserted for one
# placeholder can never be re-read as another placeholder. No "$" in the JS below.
_APP_JS = r"""
(function () {
  "use strict";
  var payload = JSON.parse(document.getElementById("kg-data").textContent);
  // Tooltips arrive as plain text. Wrapping them in an element built with
  // textContent makes vis-network append the element instead of parsing a string
  // (older vis-network versions assign string titles with innerHTML).
  function tip(text) {
    var el = document.createElement("div");
    el.className = "kg-tip";
    el.textContent = text;
    return el;
  }
  var panels = {};
  var nodeItems = payload.nodes.map(function (n) {
    var copy = Object.assign({}, n);
    copy.title = tip(n.title || "");
    panels[n.id] = n.panel;
    delete copy.panel;
    return copy;
  });
  var edgeItems = payload.edges.map(function (e) {
    var copy = Object.assign({}, e);
    copy.title = tip(e.title || "");
    return copy;
  });
  var nodeById = {};
  nodeItems.forEach(function (n) { nodeById[n.id] = n; });
  var nodes = new vis.DataSet(nodeItems);
  var edges = new vis.DataSet(edgeItems);
  var container = document.getElementById("mynetwork");
  window.kgReady = false;
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, payload.options);
  window.network = network;
  function ready() {
    if (window.kgReady) { return; }
    // Freeze the layout once it settled: nodes stop drifting under the mouse.
    network.setOptions({physics: {enabled: false}});
    network.fit({animation: false});
    window.kgReady = true;
    document.body.setAttribute("data-kg-ready", "1");
  }
  var physics = payload.options.physics || {};
  if (nodeItems.length === 0 || physics.enabled === false) {
    ready();  // laid out before the page opened: nothing to wait for
  } else {
    network.once("stabilizationIterationsDone", ready);
    network.once("stabilized", ready);
  }

  // Filters: node types (the legend), a ceremony, an award, winners only, and
  // one node's neighbourhood. An edge shows when it passes them all; a node when
  // its type is shown and, under a ceremony, award or winners filter, when one
  // of its edges shows.
  var hiddenKinds = {};
  var scope = {cer: "", award: "", won: false, around: ""};
  function edgeShown(e) {
    if (hiddenKinds[nodeById[e.from].group] || hiddenKinds[nodeById[e.to].group]) {
      return false;
    }
    if (scope.cer && (e.cer || []).indexOf(scope.cer) < 0) { return false; }
    if (scope.award && (e.award || []).indexOf(scope.award) < 0) { return false; }
    if (scope.won && !e.won && e.label !== "at" && e.label !== "of") { return false; }
    if (scope.around && e.from !== scope.around && e.to !== scope.around) { return false; }
    return true;
  }
  function applyFilter() {
    var narrowed = scope.cer || scope.award || scope.won || scope.around;
    var linked = {};
    var edgeUpdates = edgeItems.map(function (e) {
      var show = edgeShown(e);
      if (show) { linked[e.from] = true; linked[e.to] = true; }
      return {id: e.id, hidden: !show};
    });
    [scope.cer, scope.award, scope.around].forEach(function (id) {
      if (id) { linked[id] = true; }
    });
    nodes.update(nodeItems.map(function (n) {
      return {id: n.id, hidden: hiddenKinds[n.group] === true ||
              (narrowed ? linked[n.id] !== true : false)};
    }));
    edges.update(edgeUpdates);
    var shown = nodes.get({filter: function (n) { return !n.hidden; }}).length;
    document.getElementById("kg-shown").textContent =
      narrowed || Object.keys(hiddenKinds).some(function (k) { return hiddenKinds[k]; })
        ? shown + " shown" : "";
  }
  document.querySelectorAll("#kg-legend input[type=checkbox]").forEach(function (box) {
    box.addEventListener("change", function () {
      hiddenKinds[box.getAttribute("data-kind")] = !box.checked;
      applyFilter();
    });
  });
  var cerMenu = document.getElementById("kg-ceremony");
  var awardMenu = document.getElementById("kg-award");
  var wonBox = document.getElementById("kg-won");
  cerMenu.addEventListener("change", function () { scope.cer = cerMenu.value; applyFilter(); });
  awardMenu.addEventListener("change", function () {
    scope.award = awardMenu.value; applyFilter();
  });
  wonBox.addEventListener("change", function () { scope.won = wonBox.checked; applyFilter(); });

  // The detail panel: everything is put in with textContent, never as markup.
  var panel = document.getElementById("kg-panel");
  function el(tag, text, cls) {
    var x = document.createElement(tag);
    if (text) { x.textContent = text; }
    if (cls) { x.className = cls; }
    return x;
  }
  function section(title, rows, more, render) {
    if (!rows.length) { return; }
    panel.appendChild(el("h3", title + " (" + (rows.length + more) + ")"));
    var list = el("ul");
    rows.forEach(function (row) { list.appendChild(render(row)); });
    if (more) { list.appendChild(el("li", "\u2026 and " + more + " more", "kg-more")); }
    panel.appendChild(list);
  }
  function highlight(fact) {
    network.setSelection({nodes: fact.nodes, edges: [fact.edge]}, {highlightEdges: false});
    network.fit({nodes: fact.nodes, animation: {duration: 300}});
  }
  function showPanel(id) {
    var data = panels[id];
    panel.textContent = "";
    if (!data) { panel.hidden = true; return; }
    panel.hidden = false;
    var close = el("button", "\u00d7", "kg-close");
    close.type = "button";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", function () { panel.hidden = true; });
    panel.appendChild(close);
    panel.appendChild(el("div", data.type, "kg-type"));
    panel.appendChild(el("h2", nodeById[id].name));
    if (data.aliases.length) {
      panel.appendChild(el("div", "Also known as: " + data.aliases.join("; "), "kg-aliases"));
    }
    var around = el("button", scope.around === id ? "Show everything" : "Only its neighbours");
    around.type = "button";
    around.id = "kg-around";
    around.addEventListener("click", function () {
      scope.around = scope.around === id ? "" : id;
      applyFilter();
      showPanel(id);
      if (scope.around) { network.fit({animation: {duration: 300}}); }
    });
    panel.appendChild(around);
    section("Facts", data.facts, data.moreFacts, function (fact) {
      var li = el("li", "", "kg-fact");
      var link = el("a", fact.text);
      link.href = "#";
      link.addEventListener("click", function (ev) { ev.preventDefault(); highlight(fact); });
      li.appendChild(link);
      fact.notes.forEach(function (n) { li.appendChild(el("span", " " + n, "kg-note")); });
      if (fact.evidence) {
        li.appendChild(el("blockquote", "\u201c" + fact.evidence + "\u201d"));
        if (fact.article) { li.appendChild(el("div", fact.article, "kg-source")); }
      }
      return li;
    });
    section("Tweets", data.tweets, data.moreTweets, function (t) {
      var li = el("li", "", "kg-tweet");
      li.appendChild(el("div", [t.by, t.date].filter(Boolean).join(" \u00b7 "), "kg-by"));
      li.appendChild(el("div", t.text));
      if (t.article) { li.appendChild(el("div", t.article, "kg-source")); }
      return li;
    });
    section("Quotations", data.quotes, data.moreQuotes, function (q) {
      var li = el("li", "", "kg-quote");
      li.appendChild(el("blockquote", "\u201c" + q.text + "\u201d"));
      if (q.article) { li.appendChild(el("div", q.article, "kg-source")); }
      return li;
    });
    section("Articles", data.articles, data.moreArticles, function (a) {
      return el("li", a, "kg-source");
    });
  }
  network.on("click", function (params) {
    if (params.nodes.length) { showPanel(params.nodes[0]); }
  });

  // Search by name: exact (case-insensitive) matches first, else substrings.
  var list = document.getElementById("kg-names");
  var names = nodeItems.map(function (n) { return n.name; })
    .filter(function (v, i, a) { return a.indexOf(v) === i; })
    .sort(function (a, b) { return a.localeCompare(b); });
  names.forEach(function (name) {
    var opt = document.createElement("option");
    opt.value = name;
    list.appendChild(opt);
  });
  var search = document.getElementById("kg-search");
  var message = document.getElementById("kg-search-msg");
  function find() {
    var q = search.value.trim().toLowerCase();
    if (!q) { network.unselectAll(); message.textContent = ""; return; }
    var hits = nodeItems.filter(function (n) { return n.name.toLowerCase() === q; });
    if (hits.length === 0) {
      hits = nodeItems.filter(function (n) { return n.name.toLowerCase().indexOf(q) >= 0; });
    }
    var ids = hits.map(function (n) { return n.id; });
    message.textContent = ids.length ? ids.length + " found" : "no match";
    network.selectNodes(ids);
    if (ids.length) {
      network.focus(ids[0], {scale: 1.3, animation: {duration: 400}});
      showPanel(ids[0]);
    }
  }
  search.addEventListener("change", find);
  search.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { find(); } });
  document.getElementById("kg-reset").addEventListener("click", function () {
    search.value = "";
    message.textContent = "";
    hiddenKinds = {};
    scope = {cer: "", award: "", won: false, around: ""};
    cerMenu.value = "";
    awardMenu.value = "";
    wonBox.checked = false;
    document.querySelectorAll("#kg-legend input[type=checkbox]").forEach(function (box) {
      box.checked = true;
    });
    applyFilter();
    panel.hidden = true;
    network.unselectAll();
    network.fit({animation: false});
  });
})();
"""

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<link rel="icon" href="data:,">
<style>$vis_css</style>
<style>
  html, body { margin: 0; height: 100%; font-family: system-ui, sans-serif; color: #222; }
  body { display: flex; flex-direction: column; }
  header { display: flex; align-items: center; gap: 1.5em; padding: 0.5em 1em;
           border-bottom: 1px solid #ddd; background: #fafafa; flex-wrap: wrap; }
  header h1 { font-size: 1.25em; margin: 0; }
  #kg-status { color: #666; font-size: 0.9em; }
  #kg-controls { margin-left: auto; display: flex; gap: 0.5em; align-items: center; }
  #kg-search { width: 18em; padding: 0.3em 0.5em; }
  #kg-search-msg { color: #666; font-size: 0.85em; min-width: 5em; }
  #kg-controls select { max-width: 13em; }
  main { flex: 1; display: flex; min-height: 0; }
  #kg-legend { width: 15em; padding: 0.5em 1em; border-right: 1px solid #ddd;
               overflow-y: auto; font-size: 0.9em; background: #fff; }
  #kg-legend h2 { font-size: 0.95em; margin: 0.8em 0 0.3em; }
  #kg-legend ul { list-style: none; margin: 0; padding: 0; }
  #kg-legend li { display: flex; align-items: center; gap: 0.4em; padding: 0.15em 0; }
  #kg-legend label { display: flex; align-items: center; gap: 0.4em; width: 100%;
                     cursor: pointer; }
  #kg-legend .kg-count { margin-left: auto; color: #888; }
  #kg-legend .kg-empty { opacity: 0.45; }
  #kg-legend p { color: #666; font-size: 0.85em; }
  #mynetwork { flex: 1; position: relative; min-width: 0; }
  div.vis-tooltip { white-space: normal; max-width: 32em; padding: 0.5em 0.7em;
                    font-family: system-ui, sans-serif; font-size: 13px; }
  .kg-tip { white-space: pre-wrap; overflow-wrap: anywhere; }
  #kg-shown { color: #666; font-size: 0.85em; }
  #kg-panel { width: 24em; padding: 0.5em 1em 1em; border-left: 1px solid #ddd;
              overflow-y: auto; font-size: 0.9em; background: #fff; position: relative;
              overflow-wrap: anywhere; }
  #kg-panel[hidden] { display: none; }
  #kg-panel h2 { font-size: 1.15em; margin: 0.1em 0 0.4em; }
  #kg-panel h3 { font-size: 0.95em; margin: 1em 0 0.3em; }
  #kg-panel ul { list-style: none; margin: 0; padding: 0; }
  #kg-panel li { padding: 0.35em 0; border-bottom: 1px solid #eee; }
  #kg-panel blockquote { margin: 0.25em 0 0.1em 0.6em; color: #444; font-style: italic; }
  #kg-panel .kg-type, #kg-panel .kg-source, #kg-panel .kg-note, #kg-panel .kg-by,
  #kg-panel .kg-aliases, #kg-panel .kg-more { color: #777; font-size: 0.9em; }
  #kg-panel .kg-close { position: absolute; right: 0.5em; top: 0.4em; border: none;
                        background: none; font-size: 1.3em; cursor: pointer; }
  #kg-panel a { color: #1f5fa8; text-decoration: none; }
  #kg-panel a:hover { text-decoration: underline; }
</style>
</head>
<body>
<header>
  <h1>$title</h1>
  <span id="kg-status">$status</span>
  <div id="kg-controls">
    <input id="kg-search" type="search" list="kg-names" placeholder="Search by name"
           aria-label="Search by name" autocomplete="off">
    <datalist id="kg-names"></datalist>
    <span id="kg-search-msg" aria-live="polite"></span>
    $scopes
    <label><input id="kg-won" type="checkbox"> Winners only</label>
    <span id="kg-shown" aria-live="polite"></span>
    <button id="kg-reset" type="button">Reset</button>
  </div>
</header>
<main>
  <aside id="kg-legend">
$legend
    <p>Untick a type to hide it. Click a node for its facts, tweets and
    quotations with their sources; hover for a summary. Scroll to zoom, drag
    to pan.</p>
  </aside>
  <div id="mynetwork"></div>
  <aside id="kg-panel" hidden aria-live="polite"></aside>
</main>
<script>$vis_js</script>
<script id="kg-data" type="application/json">$data</script>
<script>$app_js</script>
</body>
</html>
""")
