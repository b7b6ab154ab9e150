#!/usr/bin/env python3
"""Write a synthetic corpus of N award-news articles with invented names.

    .venv/bin/python scripts/synthetic.py 1000 /tmp/corpus

Unlike copies of real articles, the number of distinct people, works and
categories grows with N (about N/2 people and N/3 works), so resolution, the
store and the graph page meet the variety of a real year of news. Names are
made from syllables (none is a real person); awards, categories, networks and
outlets come from kg's gazetteers. The same N and seed give the same files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.gazetteer import load_gazetteer, ordinal  # noqa: E402

GIVEN = ("Anna", "Maria", "Laura", "Sarah", "Emma", "Clara", "Nora", "Julia", "Helen", "Grace",
         "Alice", "Ruth", "Irene", "Vera", "Paula", "Diana", "Lucy", "Rosa", "Elena", "Hannah",
         "David", "Michael", "Thomas", "Daniel", "Peter", "Samuel", "Martin", "Henry", "Oscar",
         "Victor", "Hugo", "Felix", "Arthur", "Simon", "Lucas", "Adam", "Jonas", "Oliver",
         "Robert", "Walter")
SURNAME_HEADS = ("Ash", "Bel", "Cor", "Dun", "Ell", "Fair", "Gar", "Hol", "Kin", "Lang", "Mor",
                 "Nor", "Pem", "Rad", "Sel", "Thorn", "Wex", "Yar", "Brem", "Cald", "Dray",
                 "Fen", "Grim", "Hask", "Jast", "Kell", "Lind", "Marl", "Ost", "Quen")
SURNAME_TAILS = ("by", "croft", "dale", "er", "field", "ford", "ham", "ley", "low", "more",
                 "ney", "ridge", "son", "ton", "well", "wick", "stead", "worth", "gate", "mont")
TITLE_FIRST = ("Silent", "Copper", "Paper", "Hollow", "Crimson", "Distant", "Broken", "Golden",
               "Quiet", "Northern", "Velvet", "Iron", "Glass", "Wild", "Last", "Bright",
               "Hidden", "Winter", "Salt", "Electric", "Burning", "Lonely", "Secret", "Pale",
               "Restless", "Sunken", "Open", "Endless", "Little", "Bitter")
TITLE_SECOND = ("Harbor", "Lanterns", "Orchard", "River", "Garden", "Signal", "Kingdom", "Tide",
                "Letters", "Mountain", "Season", "Country", "Houses", "Machine", "Voices",
                "Summer", "Island", "Shadows", "Crossing", "Avenue", "Empire", "Hours", "Fields",
                "Engine", "Sisters", "Brothers", "Window", "Fire", "Station", "Waters")
TITLE_THIRD = ("", "", "", " of Gold", " at Dawn", " in Blue", " Rising", " Road", " Club",
               " Stories")
QUOTES = ("I never thought this would happen to me", "This is for everyone who believed in us",
          "We made this on a shoestring and a lot of hope", "Thank you to my mother, always",
          "I want to share this with the whole crew", "Stories like this one matter")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


class World:
    """The invented people and works of a corpus of ``n`` articles."""

    def __init__(self, n: int, rng: random.Random) -> None:
        gaz = load_gazetteer()
        self.awards = [a for a in gaz.awards if len(a.categories) >= 5]
        self.networks = sorted(x.name for x in gaz.networks)
        self.outlets = sorted(x.name for x in gaz.outlets)
        surnames = [h + t for h in SURNAME_HEADS for t in SURNAME_TAILS]
        people = sorted({f"{g} {s}" for g in GIVEN for s in surnames})
        titles = sorted({f"{a} {b}{c}" for a in TITLE_FIRST for b in TITLE_SECOND
                         for c in TITLE_THIRD})
        rng.shuffle(people)
        rng.shuffle(titles)
        self.people = people[: max(20, n // 2)]
        self.works = titles[: max(10, n // 3)]


def _tag(award_name: str) -> str:
    """A hashtag for the award ("Tony Award" -> "TonyAwards")."""
    return re.sub(r"\W", "", award_name) + "s"


def _pronoun(name: str) -> str:
    return "her" if GIVEN.index(name.split()[0]) < 20 else "his"


def article(world: World, rng: random.Random) -> str:
    """One article: a ceremony, a few winners with their works, losers, a quote,
    a tweet, a host and a network."""
    award = rng.choice(world.awards)
    year = rng.randint(max(award.first_year + 1, 1990), 2025)
    date = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    ceremony = f"the {ordinal(award.ordinal_for(year))} {award.name}s"
    cats = rng.sample(award.categories, 4)
    people = rng.sample(world.people, 8)
    works = rng.sample(world.works, 4)
    network, outlet = rng.choice(world.networks), rng.choice(world.outlets)
    lines = [
        f"{people[0]} won {cats[0]} for {works[0]} at {ceremony} on Sunday night.",
        f"{people[1]} took home {cats[1]} for {_pronoun(people[1])} role in {works[1]}, "
        f"beating {people[2]} and {people[3]}.",
        f"The other nominees for {cats[2]} were {people[4]}, {people[5]} and {people[6]}; "
        f"the prize went to {works[2]}.",
        f"\"{rng.choice(QUOTES)},\" {people[0]} said in {_pronoun(people[0])} speech.",
        f"{people[7]} hosted the ceremony, which aired on {network}.",
        f"{works[3]} was nominated for {cats[3]}, according to {outlet}.",
    ]
    handle = people[0].split()[1].lower() + str(rng.randint(1, 99))
    tweet = (f"So proud of {people[0]} tonight! #{_tag(award.name)} "
             f"pic.twitter.com/{rng.randrange(16**8):08x} — {people[0]} (@{handle}) "
             f"{MONTHS[date.month - 1]} {date.day}, {date.year}")
    rng.shuffle(lines[3:])
    body = " ".join(lines[:3]) + "\n\n" + " ".join(lines[3:5]) + "\n\n" + tweet + "\n\n" + lines[5]
    return f"date {date.isoformat()}\n{body}\n"


def write_corpus(n: int, folder: Path, seed: int = 7) -> list[Path]:
    """Write ``n`` articles into ``folder``; return their paths."""
    rng = random.Random(seed)
    world = World(n, rng)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"synthetic-{i:06d}.txt"
        path.write_text(article(world, rng), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, help="number of articles")
    ap.add_argument("folder", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    write_corpus(args.n, args.folder, args.seed)


if __name__ == "__main__":
    main()
