#!/usr/bin/env python3
"""Build a hostile batch of articles and check that kg survives it.

    .venv/bin/python scripts/fuzz.py                     # 300 articles, seed 0
    .venv/bin/python scripts/fuzz.py -n 1000 --seed 3 --out /tmp/fuzz --jobs 2

Real news text is messier than the articles kg was written against: pasted
tweets with broken signatures, odd Unicode from CMS exports, stray markup,
quotes that never close. This script makes N such articles from the sentences
of ``seeds/*.txt`` (shuffled and mutated) and small invented snippets
(invented names only), builds them in-process the way ``kg build`` does
(``kg.builder.build_graph``), and prints what a reliability check needs:

- articles written, built and reported as errors; an error that is an
  *extraction failure* (an exception in kg's code) is a bug to fix, while a
  file without a date line is reported on purpose;
- seconds and articles/s, against a plain batch of as many seed-like
  articles (the same kinds of sentences, unmutated) built the same way: the
  time per article of the hostile batch should stay under twice the plain
  one's (characters per article are printed too: long tokens make hostile
  articles longer in characters, not in tokens);
- triples, whether every file ``kg build`` can write (graph.ttl and the
  ``--export`` formats nt, nq, trig, jsonld) parses in rdflib and in Oxigraph
  with as many triples or quads as the build made, and whether the graph
  conforms to the SHACL shapes (``kg.validate``).

The same ``-n`` and ``--seed`` always write the same files. The exit code is 1
when an extraction failed, a file did not parse or the graph does not conform.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# --- invented material (no real person, work or account) -----------------------------

PEOPLE = ("Tomas Brandt", "Ada Quill", "Mirela Vos", "Jonah Petrakis", "Ines Okonjo",
          "Rafe Lindahl", "Selma Thorsby", "Kito Marrow", "Ana Ruiz", "Bo Lind")
WORKS = ("Copper Lake", "The Salt Orchard", "Glass Meridian", "Hollow Signal", "Paper Tides")
NETWORKS = ("HBO", "Netflix", "FX", "ABC", "Hulu")
AWARDS = ("Primetime Emmy Awards", "Academy Awards", "Oscars", "Grammy Awards", "Tony Awards",
          "Emmys", "Golden Globes", "SAG Awards")
CATEGORIES = ("best actor", "Outstanding Lead Actress in a Drama Series", "Best Picture",
              "best supporting actress", "Album of the Year", "Best Musical")
HANDLES = ("tomasbrandt", "AdaQuill", "copper_lake", "mvos_", "inesO")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

TEMPLATES = (
    "{p} won {c} for {w} at the {n} {a} on Sunday night.",
    "{p} was nominated for {c} at the {a}, alongside {q}.",
    "{p} beat out {q} and {r} for {c}.",
    "\u201c{quote},\u201d {p} said backstage.",
    "{w} star {p} thanked {q} in a speech that ran long.",
    "{p} plays Marisol in {n2}'s {w}, which won {c}.",
    "The {y} {a} were hosted by {p} at the Copper Lake Theatre.",
    "Fellow nominees included {q}, {r} and {p}.",
    "{p} ({w}) \u2014 WON",
    "According to Variety, {p} and {q} were among the winners.",
)
QUOTES = ("I never thought this would happen", "This one is for the crew",
          "We made this on a shoestring", "Thank you, Mum")

# --- hostile fragments ------------------------------------------------------------------

ODD_CHARS = (
    "\u0301", "\u0336", "\u20dd", "\u034f",           # combining marks, grapheme joiner
    "\u202e", "\u202d", "\u2066", "\u2069", "\u200f",  # bidi overrides and isolates
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",  # zero-width characters
    "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85",  # control characters
    "\u2028", "\u2029", "\r",                           # line separators, lone CR
    "\ue000", "\ufdd0", "\uffff", "\ufffd", "\U0010fffd",  # private use, noncharacters
    "\U000e0041", "\U0001d57f",                         # tag letter, math fraktur
)
EMOJI = ("\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
         "\U0001f3f3\ufe0f\u200d\U0001f308", "\U0001f44d\U0001f3fd", "\U0001f1fa\U0001f1f8",
         "\u2764\ufe0f\u200d\U0001f525", "\U0001f3c6")
QUOTE_CHARS = ('"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb",
               "\u201e", "\u201f", "\u2039", "\u203a", "\u300c", "\u300d", "\u300e", "\u300f",
               "\u2033", "\uff02", "`", "\u00b4", "''", "``")
MARKUP = ("<script>alert('x')</script>", "<b>", "</p>", "<br/>", "&amp;", "&#39;", "&nbsp;",
          "<!-- note -->", "<![CDATA[ ]]>", '<a href="javascript:void(0)">link</a>',
          "<img src=x onerror=alert(1)>", "</script>")
RDF_BREAKERS = ('"""', '\\"', "> .", "<http://x>", "@prefix x: <http://y> .", "'''",
                '"^^xsd:string', "_:b0", "} ; DROP ALL ; {", "SELECT * WHERE { ?s ?p ?o }",
                "\\u0000", "\\n", "\\", "\\\\", "#", "\" .\n<a> <b> <c> .", "]]", "^^")
ABSURD_CEREMONIES = (
    "the 9999th Academy Awards", "the 0th Emmys", "the 1925 Oscars", "the 999th Grammy Awards",
    "the 1st Tony Awards", "the 1900 Primetime Emmy Awards", "the 2999 Oscars",
    "the 000th Golden Globes", "Emmys 1948", "the 1st annual Academy Awards",
    "the 100000th Emmys",
)


def full_width(text: str) -> str:
    """ASCII letters and digits as their full-width forms ("Ada" -> "Ａｄａ")."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def zalgo(text: str, rng: random.Random) -> str:
    return "".join(c + "".join(chr(rng.randint(0x300, 0x36F)) for _ in range(rng.randint(0, 4)))
                   for c in text)


@dataclass
class Maker:
    """Writes article texts from seed sentences and invented snippets."""

    rng: random.Random
    sentences: list[str]

    def person(self) -> str:
        return self.rng.choice(PEOPLE)

    def snippet(self) -> str:
        """One sentence from an invented-name template."""
        r = self.rng
        p, q, rr = r.sample(PEOPLE, 3)
        return r.choice(TEMPLATES).format(
            p=p, q=q, r=rr, w=r.choice(WORKS), a=r.choice(AWARDS), c=r.choice(CATEGORIES),
            n=f"{r.randint(1, 80)}th", y=r.randint(1990, 2023), n2=r.choice(NETWORKS),
            quote=r.choice(QUOTES))

    def tweet(self, hostile: bool) -> str:
        """An embedded tweet; a hostile one breaks its author, handle or text."""
        r = self.rng
        text = self.snippet()
        author, handle = self.person(), r.choice(HANDLES)
        date = f"{r.choice(MONTHS)} {r.randint(1, 28)}, {r.randint(2010, 2023)}"
        dash = "\u2014"
        if hostile:
            kind = r.randrange(13)
            if kind == 0:
                author = ""                                   # "— (@b) September 21, 2020"
            elif kind == 1:
                handle = r.choice(("\u00f1and\u00fa", "caf\u00e9", "\u0430dmin", "\u540d\u524d",
                                   "x\u0301"))                # non-ASCII handles
            elif kind == 2:
                handle = "h" * r.randint(16, 40)              # longer than Twitter allows
            elif kind == 3:
                text += ' \\"'                                # text ends in \" before the dash
            elif kind == 4:
                text += '"'
            elif kind == 5:
                author = full_width(author)
            elif kind == 6:
                author = "\u202e" + author + "\u202c"
            elif kind == 7:
                author = '"""' + author + ' \\" > .'
            elif kind == 8:
                text = text + "\n" + f"{dash}\t {author}   (@{handle})\t{date}"
                return text                                   # attribution on its own line
            elif kind == 9:
                return f"{text} pic.twitter.com/{'A' * r.randint(5, 400)}{dash} (@{handle})"
            elif kind == 10:
                handle = "_" * r.randint(1, 3)
            elif kind == 11:
                author = " ".join(r.choice(EMOJI) for _ in range(3))
            elif kind == 12:
                author = f"@{handle}"                          # the handle as the name
        link = f"pic.twitter.com/{''.join(r.choice('AbCdEf0123') for _ in range(10))}"
        return f"{text} {link} {dash} {author} (@{handle}) {date}"

    def mutate(self, sentence: str) -> str:
        """One hostile change to a sentence."""
        r = self.rng
        kind = r.randrange(14)
        pos = r.randint(0, len(sentence))
        if kind == 0:
            return sentence[:pos] + "".join(r.choice(ODD_CHARS) for _ in range(r.randint(1, 6))) \
                + sentence[pos:]
        if kind == 1:
            return sentence[:pos] + r.choice(QUOTE_CHARS) + sentence[pos:]
        if kind == 2:
            return sentence[:pos] + r.choice(MARKUP) + sentence[pos:]
        if kind == 3:
            return sentence[:pos] + " " + r.choice(RDF_BREAKERS) + " " + sentence[pos:]
        if kind == 4:
            return zalgo(sentence, r)
        if kind == 5:
            return full_width(sentence)
        if kind == 6:
            return sentence[:pos] + r.choice(EMOJI) + sentence[pos:]
        if kind == 7:  # a very long token
            token = r.choice(("a" * r.randint(500, 5000), "Brandt" * r.randint(50, 800),
                              "https://example.org/" + "x/" * r.randint(200, 2000),
                              "#" + "Tag" * r.randint(100, 700), "@" + "y" * r.randint(31, 300),
                              "-" * r.randint(100, 3000), "\u2014" * r.randint(50, 500)))
            return sentence[:pos] + " " + token + " " + sentence[pos:]
        if kind == 8:
            return sentence.replace(" ", "\n" * r.randint(1, 4), r.randint(1, 5))
        if kind == 9:
            return f"{sentence} {self.person()} won at {r.choice(ABSURD_CEREMONIES)}."
        if kind == 10:
            return r.choice(QUOTE_CHARS) * r.randint(1, 9) + sentence
        if kind == 11:
            return sentence.upper()
        if kind == 12:
            return sentence[:pos] + "\u201c" + sentence[pos:] + "\u201c\u201c\u2019"
        return sentence.replace(" ", r.choice(("\u00a0", "\u3000", "\t", "\u2009", "  ")))

    def body(self, hostile: bool) -> str:
        """An article body of seed sentences, snippets and tweets, in paragraphs."""
        r = self.rng
        parts: list[str] = []
        for _ in range(r.randint(4, 24)):
            roll = r.random()
            if roll < 0.5:
                sentence = r.choice(self.sentences)
            elif roll < 0.85:
                sentence = self.snippet()
            else:
                sentence = self.tweet(hostile)
            if hostile and r.random() < 0.45:
                sentence = self.mutate(sentence)
            parts.append(sentence)
            if r.random() < 0.35:
                parts.append("\n\n" if not hostile or r.random() < 0.7 else "\n" * r.randint(3, 7))
        if hostile and r.random() < 0.3:
            parts.insert(r.randint(0, len(parts)),
                         f"{self.person()} won best actor at {r.choice(ABSURD_CEREMONIES)}.")
        text = ""
        for part in parts:
            text += part if part.startswith("\n") or text.endswith("\n") or not text else " " + part
        return text


def _seed_sentences() -> list[str]:
    """The sentences of seeds/*.txt (read at run time: only seeds text, never
    another article's, may be used)."""
    out: list[str] = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        body = path.read_text(encoding="utf-8").split("\n", 1)[-1]
        for para in body.split("\n"):
            out.extend(s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", para) if s.strip())
    return out or ["Ada Quill won an award."]


def _date(rng: random.Random) -> str:
    return f"{rng.randint(2000, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def write_batch(folder: Path, n: int, seed: int, hostile: bool) -> int:
    """Write ``n`` article files to ``folder``; return how many are meant to be
    unreadable (no date line, only a date line: reported, never extracted)."""
    rng = random.Random(f"{seed}-{'hostile' if hostile else 'plain'}")
    maker = Maker(rng, _seed_sentences())
    folder.mkdir(parents=True, exist_ok=True)
    unreadable = 0
    for i in range(n):
        name = f"fuzz-{i:05d}"
        if hostile and i % 37 == 5:
            name += " odd (copy) \u00f1#%?"  # a file name that needs escaping in an IRI
        text = f" date {_date(rng)}\n" + maker.body(hostile)
        if hostile:
            special = i % 50
            if special == 7:
                text, unreadable = f" date {_date(rng)}\n", unreadable + 1   # only a date line
            elif special == 13:
                text, unreadable = maker.body(True), unreadable + 1         # no date line
            elif special == 21:
                text = f" date {_date(rng)} " + maker.body(True)           # text on that line
            elif special == 29:
                text = f" date {_date(rng)}\n\n\n\n" + "\n".join([""] * 40) + maker.snippet()
            elif special == 33:
                text = f"\ufeff date {_date(rng)}\r\n" + maker.body(True).replace("\n", "\r\n")
            elif special == 41:
                text = f" date {_date(rng)}\n" + " ".join(maker.tweet(True) for _ in range(30))
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return unreadable


# --- the build and its checks -------------------------------------------------------------

@dataclass
class Outcome:
    articles: int
    extraction_failures: list[str]
    other_errors: list[str]
    seconds: float
    triples: int
    chars: int


FORMATS = ("ttl", "nt", "nq", "trig", "jsonld")


def build(folder: Path, out: Path, jobs: int, formats: tuple[str, ...] = ()
          ) -> tuple[Outcome, object]:
    """Build ``folder`` as ``kg build`` does and write graph.FORMAT for each of
    ``formats``."""
    from kg.builder import build_graph
    from kg.exports import write_file

    chars = sum(len(p.read_text(encoding="utf-8", errors="replace"))
                for p in folder.glob("*.txt"))
    started = time.perf_counter()
    result = build_graph([folder], jobs=jobs, workdir=out)
    seconds = time.perf_counter() - started
    failed = [f"{e.path.name}: {e.problem}" for e in result.errors
              if e.problem.startswith("extraction failed")]
    other = [f"{e.path.name}: {e.problem}" for e in result.errors
             if not e.problem.startswith("extraction failed")]
    if result.database is not None:
        for fmt in formats:
            write_file(result.database, fmt, out / f"graph.{fmt}")
    return Outcome(result.articles, failed, other, seconds, result.triples, chars), result


def parses(path: Path, expected: int) -> tuple[str, str]:
    """('ok' or what went wrong) for rdflib and for Oxigraph reading ``path``,
    which must give ``expected`` distinct triples (quads for nq and trig)."""
    import pyoxigraph
    from rdflib import Dataset, Graph

    rdflib_format, oxigraph_format = {
        ".ttl": ("turtle", pyoxigraph.RdfFormat.TURTLE),
        ".nt": ("nt", pyoxigraph.RdfFormat.N_TRIPLES),
        ".nq": ("nquads", pyoxigraph.RdfFormat.N_QUADS),
        ".trig": ("trig", pyoxigraph.RdfFormat.TRIG),
        ".jsonld": ("json-ld", pyoxigraph.RdfFormat.JSON_LD)}[path.suffix]

    def by_rdflib() -> int:
        if path.suffix in (".nq", ".trig"):
            return len(set(Dataset().parse(path, format=rdflib_format).quads()))
        return len(Graph().parse(path, format=rdflib_format))

    def by_oxigraph() -> int:
        return len(set(pyoxigraph.parse(path=str(path), format=oxigraph_format)))

    answers = []
    for count in (by_rdflib, by_oxigraph):
        try:
            got = count()
            answers.append("ok" if got == expected else f"FAILED ({got} of {expected})")
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            answers.append(f"FAILED ({type(exc).__name__}: {str(exc)[:200]})")
    return answers[0], answers[1]


def _timed(label: str, step: Callable[[], object]) -> object:
    started = time.perf_counter()
    value = step()
    print(f"  ({label}: {time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--articles", type=int, default=300, help="articles per batch")
    parser.add_argument("--seed", type=int, default=0, help="the batch's random seed")
    parser.add_argument("--out", type=Path, help="keep the batches and builds here "
                                                  "(default: a temporary folder)")
    parser.add_argument("--jobs", type=int, default=1, help="processes for each build")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain batch")
    parser.add_argument("--no-validate", action="store_true", help="skip SHACL validation")
    parser.add_argument("--formats", default=",".join(FORMATS),
                        help=f"files to write and parse back (default: {','.join(FORMATS)})")
    args = parser.parse_args(argv)

    from kg.nlp import load_pipeline
    from kg.validate import validate

    tmp = None
    if args.out is None:
        tmp = tempfile.mkdtemp(prefix="kg-fuzz-")
        base = Path(tmp)
    else:
        base = args.out
        for sub in ("hostile", "plain", "hostile-build", "plain-build"):
            shutil.rmtree(base / sub, ignore_errors=True)
    load_pipeline(None)  # loaded once, before the clock starts, for both batches
    try:
        meant_unreadable = write_batch(base / "hostile", args.articles, args.seed, True)
        formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
        hostile, result = build(base / "hostile", base / "hostile-build", args.jobs, formats)
        plain = None
        if not args.no_plain:
            write_batch(base / "plain", args.articles, args.seed, False)
            plain, plain_result = build(base / "plain", base / "plain-build", args.jobs)
            plain_result.close()
        bad = bool(hostile.extraction_failures)
        print(f"fuzz: seed {args.seed}, {args.articles} hostile articles in {base / 'hostile'}")
        print(f"  built:                {hostile.articles}")
        print(f"  extraction failures:  {len(hostile.extraction_failures)}")
        kinds = Counter(re.sub(r".*extraction failed \((\w+).*", r"\1", f)
                        for f in hostile.extraction_failures)
        for kind, count in kinds.most_common():
            print(f"    {count:4d} {kind}")
        for failure in hostile.extraction_failures[:10]:
            print(f"    {failure[:300]}")
        print(f"  unreadable files:     {len(hostile.other_errors)} "
              f"({meant_unreadable} made unreadable on purpose)")
        for error in hostile.other_errors[:5]:
            print(f"    {error[:200]}")
        rate = hostile.articles / hostile.seconds if hostile.seconds else 0.0
        print(f"  seconds:              {hostile.seconds:.1f}  ({rate:.1f} articles/s, "
              f"{hostile.chars / hostile.seconds / 1000:.0f} kchar/s)")
        if plain is not None:
            plain_rate = plain.articles / plain.seconds if plain.seconds else 0.0
            per_article = (hostile.seconds / max(hostile.articles, 1)) / (
                plain.seconds / max(plain.articles, 1))
            print(f"  plain batch:          {plain.articles} articles in {plain.seconds:.1f} s "
                  f"({plain_rate:.1f} articles/s, {plain.chars / plain.seconds / 1000:.0f} "
                  f"kchar/s); extraction failures {len(plain.extraction_failures)}")
            print(f"  time per article, hostile / plain: {per_article:.2f} "
                  f"(chars per article {hostile.chars / args.articles:.0f} vs "
                  f"{plain.chars / args.articles:.0f})")
            bad = bad or bool(plain.extraction_failures)
        print(f"  quads:                {hostile.triples}")
        with result:
            # quads, not triples: a subject's facts live in one named graph each
            quads = len(result.database) if result.database is not None else 0
            triples = len({(q.subject, q.predicate, q.object) for q in
                           result.database.quads_for_pattern(None, None, None, None)}) \
                if result.database is not None else 0
            for fmt in formats:
                path = base / "hostile-build" / f"graph.{fmt}"
                if not path.exists():
                    print(f"  graph.{fmt}: not written")
                    bad = True
                    continue
                expected = quads if fmt in ("nq", "trig") else triples
                by_rdflib, by_oxigraph = _timed(f"parsing graph.{fmt}",
                                                lambda p=path, n=expected: parses(p, n))
                print(f"  graph.{fmt} parses: rdflib {by_rdflib}, pyoxigraph {by_oxigraph}")
                bad = bad or by_rdflib != "ok" or by_oxigraph != "ok"
            if not args.no_validate and result.database is not None:
                graph = _timed("rdflib graph", lambda: result.graph)
                conforms, report = _timed("SHACL", lambda: validate(graph))
                print(f"  SHACL conforms:       {conforms}")
                if not conforms:
                    lines = [ln.strip() for ln in report.splitlines()
                             if ln.strip().startswith(("Message:", "Value Node:"))]
                    for line, count in Counter(lines).most_common(12):
                        print(f"    {count:4d} x {line[:200]}")
                bad = bad or not conforms
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
