"""The articles a store keeps, and the index that lets an add skip reading them.

    STORE/articles/<hash of the id>.json    one article: id, path, date, text,
                                            body start
    STORE/articles/index.json               every article file's size, time and
                                            inode, and the article's id, path,
                                            date, body start and text digest

An add needs of a stored article only its name, date and text digest (which
names its kept Doc and facts, ``kg.passes``); its text only when a title that
came or went may be in it, or it must be parsed again. So the articles are
listed from the index, and their files read only when their text is asked
for. The index is a cache, never the truth: a file it does not know, or whose
size, time or inode changed since (a rewrite replaces the file, so its inode
changes), is read in full (and a damaged one reported); an entry whose file is
gone is dropped. Article files are written before the index, and both before
the database (``kg.store``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from stat import S_ISREG

from kg.articles import Article, ArticleError, ListedArticle, file_signature
from kg.atomic import write_atomic
from kg.memory import collection_paused

INDEX_NAME = "index.json"
_INDEX_FORMAT = 1


class StoredArticle(Article):
    """An article kept in a store, its text read from its file on first use
    (and its path made a ``Path`` then too: making 20,000 of them took a
    tenth of a second that an add into a 10,000-article store mostly does
    not need).

    It pickles as a plain ``Article`` with its text (read for the copy, not
    kept), so that a cluster machine, which may not see the store's folder,
    gets it whole; a process on this machine is sent it unread instead
    (``listed_form``).
    Reading ``text`` raises ``ArticleError`` if the file cannot be read or no
    longer holds the indexed text. ``repr`` and ``hash`` read the text too; it
    never equals a plain ``Article`` (dataclass equality wants the same class),
    and ``dataclasses.replace`` does not work on it (its fields differ)."""

    def __init__(self, file: str, id: str, path: str, date: dt.date, body_start: int,
                 digest: str) -> None:
        for name, value in (("file", file), ("id", id), ("_path", path), ("date", date),
                            ("body_start", body_start), ("digest", digest), ("damaged", False)):
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> object:
        # called only for what the instance lacks: ``text`` and ``path`` until used
        if name == "path":
            value: object = Path(self._path)
        elif name == "text":
            value = self._read().text
        else:
            raise AttributeError(name)
        object.__setattr__(self, name, value)
        return value

    def with_text(self) -> Article:
        """The article with its text, read without keeping it here (for a
        reader of every stored text, which must not hold them all)."""
        if "text" in self.__dict__:
            return self
        return Article(self.id, self.path, self.date, self._read().text, self.body_start)

    def _read(self) -> Article:
        try:
            article = read_stored(Path(self.file))
            if article.digest != self.digest:
                raise ArticleError(self.file, "stored article no longer matches the "
                                              "store's index (changed in place or "
                                              "damaged); left out")
        except ArticleError:
            self.found_damaged()
            raise
        return article

    def check_readable(self) -> None:
        """Read its text now, so that a damaged file is found, and noted, in
        this process, but do not keep it: a local worker is sent the article
        unread (``kg.articles.dumps_listed``) and reads the text itself, and
        the extraction process would otherwise hold every text it checked
        (155 MB at 100,000 articles) until it ends."""
        self.with_text()

    def found_damaged(self) -> None:
        """Its file was found damaged (here, or in the process that read its
        text): its index row goes (``ArticleFolder.save_index``)."""
        object.__setattr__(self, "damaged", True)

    def __reduce__(self) -> tuple:
        text = self.with_text().text  # read for the copy, not kept here
        return (Article, (self.id, self.path, self.date, text, self.body_start))

    def listed_form(self) -> tuple:
        """How it pickles for a process on this machine (the extraction
        process, ``kg.extraction_process``, and its workers,
        ``kg.articles.dumps_listed``): as it is, its text unread."""
        return (StoredArticle, (self.file, self.id, self._path, self.date, self.body_start,
                                self.digest))


class PackedListing:
    """A list of articles as it is sent to the extraction process (pickled by
    ``kg.articles.dumps_listed``), which reads it back as a plain list: the
    store's kept articles (``StoredArticle``, as listed, their texts unread)
    go as a column per field, the others one by one. A store's listing is
    almost all kept articles: pickled one by one, each through its
    ``listed_form``, 100,000 of them took 0.45 s of every add, against
    0.13 s as columns. An article listed twice arrives as two equal
    objects, not one (a store's listing names each article once)."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = articles

    def __reduce__(self) -> tuple:
        stored = [(i, a) for i, a in enumerate(self.articles) if type(a) is StoredArticle]
        others = [(i, a) for i, a in enumerate(self.articles) if type(a) is not StoredArticle]
        columns = ([i for i, _ in stored], [a.file for _, a in stored], [a.id for _, a in stored],
                   [a._path for _, a in stored], [a.date.toordinal() for _, a in stored],
                   [a.body_start for _, a in stored], [a.digest for _, a in stored])
        return (_unpacked, (len(self.articles), columns, others))


def _unpacked(count: int, columns: tuple[list, ...], others: list[tuple[int, Article]]
              ) -> list[Article]:
    """The list a ``PackedListing`` was made of."""
    out: list[Article | None] = [None] * count
    positions, files, ids, paths, days, body_starts, digests = columns
    for i, file, id_, path, day, body_start, digest in zip(
            positions, files, ids, paths, days, body_starts, digests, strict=True):
        out[i] = StoredArticle(file, id_, path, dt.date.fromordinal(day), body_start, digest)
    for i, article in others:
        out[i] = article
    return out  # type: ignore[return-value]  (every position filled above)


class SavedArticle(ListedArticle):
    """An article a build has just kept in the store, its text read from the
    store's file whenever it is asked for (as ``ListedArticle`` reads an
    article's own file): what is extracted is what the store keeps, even if
    the file it came from changes meanwhile, and the texts are not all held
    while the build runs."""

    def __init__(self, file: Path, article: Article,
                 signature: tuple[int, int, int] | None = None) -> None:
        """``signature``: the store's file's (``file_signature``), as written."""
        super().__init__(article.id, article.path, article.date, article.body_start,
                         article.digest, signature)
        object.__setattr__(self, "file", file)

    def _read(self) -> Article:
        return read_stored(self.file)

    def _kept_in(self) -> Path:
        return self.file


def article_file(folder: Path, article_id: str) -> Path:
    return folder / f"{hashlib.sha256(article_id.encode()).hexdigest()[:16]}.json"


def read_stored(file: Path) -> Article:
    """One stored article, read in full; ``ArticleError`` names a damaged file."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        return Article(id=data["id"], path=Path(data["path"]),
                       date=dt.date.fromisoformat(data["date"]), text=data["text"],
                       body_start=data["body_start"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArticleError(file, f"damaged stored article, left out ({exc})") from None


class ArticleFolder:
    """A store's ``articles`` folder: list, keep and index its articles."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._index: dict[str, list] | None = {}  # None once released
        self._listed: list[tuple[str, StoredArticle]] = []  # listed from the index
        self._changed = False

    def articles(self, errors: list[ArticleError] | None = None) -> list[Article]:
        """The kept articles, sorted by file name (``StoredArticle``s, their
        texts read when used): those the index knows as they are now without
        reading them, the others read in full to check and index them; one
        whose file is damaged is reported in ``errors`` (naming the file) and
        left out. Listed with the collector paused (``collection_paused``):
        at 100,000 articles its full scans of the rows and articles made
        were a third of the listing's time."""
        with collection_paused():
            return self._articles(errors)

    def _articles(self, errors: list[ArticleError] | None) -> list[Article]:
        kept = self._read_index()
        self._index, self._listed, self._changed = {}, [], False
        out: list[Article] = []
        if not self.folder.is_dir():
            return out
        with os.scandir(self.folder) as entries:
            found = sorted((e for e in entries if e.name.endswith(".json")
                            and e.name != INDEX_NAME), key=lambda e: e.name)
        for entry in found:
            try:
                stat = entry.stat()
            except OSError as exc:  # gone since the listing, a link to nothing, not ours
                if errors is not None:
                    errors.append(ArticleError(entry.path, f"cannot read stored article, "
                                                           f"left out ({exc})"))
                continue
            if not S_ISREG(stat.st_mode):  # kg writes only files here: a damaged store
                if errors is not None:
                    errors.append(ArticleError(entry.path, "stored article is not a file "
                                                           "(a folder?); left out"))
                continue
            row = kept.get(entry.name)
            if _vouches(row, stat):
                try:
                    article = StoredArticle(entry.path, row[0], row[1],
                                            dt.date.fromisoformat(row[2]), row[3], row[4])
                    out.append(article)
                    self._listed.append((entry.name, article))
                    self._index[entry.name] = row
                    continue
                except (TypeError, ValueError):
                    pass  # a damaged entry: the file is read below
            self._changed = True
            try:
                article = read_stored(Path(entry.path))
            except ArticleError as exc:
                if errors is not None:
                    errors.append(exc.detached())
                continue
            row = self._index[entry.name] = _row(article, stat)
            # read to check and index it, kept as the index lists it: its text
            # is read again where it is used, not held (as the rest are not)
            listed = StoredArticle(entry.path, article.id, row[1], article.date, row[3], row[4])
            out.append(listed)
            self._listed.append((entry.name, listed))
        self._changed |= kept.keys() != self._index.keys()
        return out

    def save(self, article: Article) -> SavedArticle:
        """Keep ``article`` (atomically: a kill leaves the old file or the new
        one, never half of one); the index follows at ``save_index``. Returns
        the article as kept, its text to be read from the store's file."""
        if self._index is None:  # before reading the article's text
            raise RuntimeError("the articles were released: list them again to keep one")
        data = {"id": article.id, "path": str(article.path), "date": article.date.isoformat(),
                "text": article.text, "body_start": article.body_start}
        target = article_file(self.folder, article.id)
        write_atomic(target, json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        stat = target.stat()
        self._index[target.name] = _row(article, stat)
        self._changed = True
        return SavedArticle(target, article, file_signature(stat))

    def release(self) -> None:
        """Write the index (``save_index``), then drop the listing: a build
        needs it no more once its articles are extracted, and its rows and
        articles held about 130 MB of a 100,000-article store's build through
        linking and writing the database. Until the next ``articles`` the
        index is not written again, and nothing more can be kept."""
        self.save_index()
        self._index, self._listed, self._changed = None, [], False

    def save_index(self) -> None:
        """Write the index, if it changed (after the articles it lists: a kill
        in between leaves files it does not know, which are read in full). An
        article found damaged when its text was read loses its row, so that
        every later build reads its file, reports it and leaves it out."""
        if self._index is None:  # released: saved then
            return
        for name, article in self._listed:
            if article.damaged and self._index.pop(name, None) is not None:
                self._changed = True
        if self._changed:
            write_atomic(self.folder / INDEX_NAME, json.dumps(
                {"format": _INDEX_FORMAT, "articles": self._index},
                ensure_ascii=False, sort_keys=True).encode("utf-8"))
            self._changed = False

    def _read_index(self) -> dict[str, object]:
        try:
            data = json.loads((self.folder / INDEX_NAME).read_bytes())
        except (OSError, ValueError):
            return {}  # none yet, or damaged: every file is read, and it is written again
        if not isinstance(data, dict) or data.get("format") != _INDEX_FORMAT or not isinstance(
                data.get("articles"), dict):
            return {}
        return data["articles"]


def _vouches(row: object, stat: os.stat_result) -> bool:
    """Whether an index row is whole and was made from the file as it is now."""
    return (isinstance(row, list) and len(row) == 8
            and tuple(row[5:]) == file_signature(stat)
            and all(isinstance(row[i], str) for i in (0, 1, 2, 4)) and isinstance(row[3], int))


def _row(article: Article, stat: os.stat_result) -> list:
    return [article.id, str(article.path), article.date.isoformat(), article.body_start,
            article.digest, *file_signature(stat)]
