"""Reading article files: the first step of the pipeline (text -> Article).

An article file starts with a line ``date YYYY-MM-DD``; the text follows, on the
same line or on the next ones. Every problem with a file is reported as an
``ArticleError`` that names the file, so one bad file never stops a batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import pickle
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

ARTICLE_SUFFIXES = (".txt",)
# a news article is tens of kilobytes; past this a file is a dump, not an article
# (longer texts than spaCy's limit are parsed in pieces, see ``kg.nlp.parse``)
MAX_ARTICLE_BYTES = 10_000_000
_DATE_LINE = re.compile(r"\A[ \t\ufeff]*date[ \t]+(?P<date>\S+)[ \t]*(?:\r?\n)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


@dataclass(frozen=True)
class Article:
    """One news article: its identity, publication date and text.

    ``text`` is the whole file; ``body_start`` is where the text after the date
    line begins, so offsets into the body map back to offsets in the file.
    """

    id: str
    path: Path
    date: dt.date
    text: str
    body_start: int

    @property
    def body(self) -> str:
        return self.text[self.body_start :]

    @cached_property
    def digest(self) -> str:
        """The text's SHA-256: what names the article's parsed Doc and facts in a
        store, so that a stored article's text need not be read to find them."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def with_text(self) -> Article:
        """This article with its text in memory (itself: see ``ListedArticle``)."""
        return self

    def check_readable(self) -> None:
        """Raise ``ArticleError`` if its text can no longer be read as it was
        listed (here, never: the text is in memory)."""


def file_signature(stat: os.stat_result) -> tuple[int, int, int]:
    """What tells that a file changed since it was read, without reading it:
    its size, modification time and inode (a rewrite by rename, as editors and
    kg do it, gives a new inode)."""
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


class ListedArticle(Article):
    """An article file as a build lists it: its name, date, where its body
    starts and its text's digest, from one reading that checks the file; the
    text itself is read from the file again whenever it is asked for, and
    never kept. A corpus's texts would otherwise sit in the building process
    and in the process that runs the workers while every article is parsed:
    most news articles have a curly quote, which makes Python keep their text
    at two bytes a character, so 100,000 articles would be about 500 MB of
    text. Each worker reads its article when it parses it (``with_text``:
    read once, for a worker that uses the text many times or a cluster
    machine that cannot see the file). Reading the text raises
    ``ArticleError``, naming the file, if the file is gone or no longer holds
    the text it held when it was listed (its digest names the article's
    parsed Doc and facts). ``signature`` is its file's when it was read
    (``file_signature``), if known: checking that the text is still there
    then needs no reading (``check_readable``). It is kept hashed, one number
    (a tuple of three would cost more than the rest of a listing's numbers)."""

    def __init__(self, id: str, path: Path, date: dt.date, body_start: int,
                 digest: str, signature: tuple[int, int, int] | None = None) -> None:
        for name, value in (("id", id), ("path", path), ("date", date),
                            ("body_start", body_start), ("digest", digest),
                            ("_signed", None if signature is None else hash(signature))):
            object.__setattr__(self, name, value)

    @classmethod
    def listed(cls, article: Article, signature: tuple[int, int, int] | None = None
               ) -> ListedArticle:
        """``article`` (read in full from its file) without its text."""
        return cls(article.id, article.path, article.date, article.body_start, article.digest,
                   signature)

    def __getattr__(self, name: str) -> object:
        # called only for what the instance lacks: its text, read each time
        if name == "text":
            return self.with_text().text
        raise AttributeError(name)

    def with_text(self) -> Article:
        article = self._read()
        if article.digest != self.digest:
            raise ArticleError(self._kept_in(), "the file changed while the build was running "
                                                "(its text is not what was listed); left out")
        return Article(self.id, self.path, self.date, article.text, self.body_start)

    def check_readable(self) -> None:
        """Raise ``ArticleError`` if its file is gone or no longer holds the
        text it held when listed. A file whose signature has not changed is
        not read: whoever reads the text checks it then (``with_text``), so
        a build need not read every text once more to start its workers."""
        if self._signed is not None:
            try:
                if hash(file_signature(os.stat(self._kept_in()))) == self._signed:
                    return
            except OSError:
                pass  # reading it says what is wrong
        self.with_text()

    def _read(self) -> Article:
        """The article, read in full from where its text is kept."""
        return read_article(self.path)

    def _kept_in(self) -> Path:
        """The file its text is read from."""
        return self.path

    def _listing(self) -> tuple:
        return self.id, self.path, self.date, self.body_start, self.digest

    def __eq__(self, other: object) -> bool:  # by the listing: the text is not at hand
        return type(other) is type(self) and self._listing() == other._listing()

    def __hash__(self) -> int:
        return hash(self._listing())

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, path={str(self.path)!r}, date={self.date!r})"


class ArticleError(Exception):
    """A file that cannot be read as an article; the message names the file."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")

    def detached(self) -> ArticleError:
        """This error without its traceback and the exceptions it was raised
        from, for a list of errors that outlives the build: a traceback keeps
        every frame up the stack alive with what it holds (a store build's
        open database, whose lock the next build then cannot take)."""
        self.__traceback__ = self.__context__ = self.__cause__ = None
        return self

    def __reduce__(self) -> tuple:
        """Pickle by its two parts (the default keeps only the message, and could
        not send an error back from a worker process of a parallel build)."""
        return (ArticleError, (self.path, self.problem))


def parse_article(path: Path | str, data: bytes) -> Article:
    """Decode and validate one article's bytes; raise ``ArticleError`` if unusable."""
    path = Path(path)
    if not data.strip():
        raise ArticleError(path, "empty file")
    if b"\x00" in data:
        raise ArticleError(path, "binary file (contains NUL bytes), not article text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            path, f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    match = _DATE_LINE.match(text)
    if not match:
        first = text.lstrip().splitlines()[0][:60] if text.strip() else ""
        raise ArticleError(path, f"missing date line: expected 'date YYYY-MM-DD', found {first!r}")
    raw = match.group("date")
    if not _ISO_DATE.match(raw):
        raise ArticleError(path, f"malformed date {raw!r}: expected YYYY-MM-DD")
    try:
        date = dt.date.fromisoformat(raw)
    except ValueError:
        raise ArticleError(path, f"impossible date {raw!r}") from None
    body_start = match.end()
    if not text[body_start:].strip():
        raise ArticleError(path, "no text after the date line")
    return Article(id=path.stem, path=path, date=date, text=text, body_start=body_start)


def read_article(path: Path | str) -> Article:
    """Read one article file from disk."""
    return read_signed_article(path)[0]


def read_signed_article(path: Path | str) -> tuple[Article, tuple[int, int, int]]:
    """Read one article file from disk: the article, and the file's signature
    as it was before reading (``file_signature``: a change while it is read
    shows as a change after)."""
    path = Path(path)
    try:
        stat = path.stat()
        size = stat.st_size
        if size > MAX_ARTICLE_BYTES:
            raise ArticleError(path, f"too long for an article ({size / 1e6:.1f} MB; the limit "
                                     f"is {MAX_ARTICLE_BYTES / 1e6:.0f} MB)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArticleError(path, "no such file") from None
    except IsADirectoryError:
        raise ArticleError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise ArticleError(path, f"cannot read: {exc.strerror or exc}") from None
    return parse_article(path, data), file_signature(stat)


def find_article_files(paths: Iterable[Path | str]) -> Iterator[Path | ArticleError]:
    """Expand files and folders into article files, in a stable (sorted) order.

    Folders contribute their ``*.txt`` files (recursively, following symbolic
    links but never into a loop). Whatever cannot be used is yielded as an
    ``ArticleError`` naming it, never skipped in silence: a path that does not
    exist, a folder without articles, and inside a folder an entry named like
    an article that is not a readable file (a sub-folder, a broken symbolic
    link, a pipe or device) or a sub-folder that cannot be listed.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(_folder_entries(path), key=lambda item: str(_path_of(item)))
            if not any(isinstance(item, Path) for item in found):
                yield ArticleError(path, "folder contains no article files (*.txt)")
            yield from found
        elif path.exists():
            yield path
        elif path.is_symlink():
            yield ArticleError(path, f"broken symbolic link (to {os.readlink(path)})")
        else:
            yield ArticleError(path, "no such file or folder")


def _path_of(item: Path | ArticleError) -> Path:
    return item.path if isinstance(item, ArticleError) else item


def _folder_entries(folder: Path) -> Iterator[Path | ArticleError]:
    """The article files under ``folder`` and the problems with its entries."""
    seen: set[tuple[int, int]] = set()
    problems: list[OSError] = []
    for root, dirs, names in os.walk(folder, onerror=problems.append, followlinks=True):
        here = Path(root)
        stat = here.stat()
        if (stat.st_dev, stat.st_ino) in seen:  # a link back up the tree
            dirs.clear()
            continue
        seen.add((stat.st_dev, stat.st_ino))
        for name in [*dirs, *names]:
            entry = here / name
            if entry.suffix.lower() not in ARTICLE_SUFFIXES:
                continue
            if entry.is_file():
                yield entry
            elif entry.is_dir():
                yield ArticleError(entry, "a folder named like an article file, not an "
                                          "article (articles inside it are still read)")
            elif entry.is_symlink() and not entry.exists():
                yield ArticleError(entry, f"broken symbolic link (to {os.readlink(entry)})")
            else:
                yield ArticleError(entry, "not a regular file (a pipe, socket or device)")
    for exc in problems:
        yield ArticleError(exc.filename or folder,
                           f"folder cannot be read ({exc.strerror or exc}); its articles "
                           "are left out")


def load_articles(paths: Iterable[Path | str]) -> tuple[list[Article], list[ArticleError]]:
    """List every article under ``paths``, each file read once to check it
    (``ListedArticle``: the texts are read again when used, not kept);
    collect errors instead of stopping.

    Two files with the same stem would get the same article identity, so the
    second one is reported as an error rather than silently merged.
    """
    articles: list[Article] = []
    errors: list[ArticleError] = []
    seen: dict[str, Path] = {}
    for item in find_article_files(paths):
        if isinstance(item, ArticleError):
            errors.append(item)
            continue
        try:
            article, signature = read_signed_article(item)
        except ArticleError as exc:
            errors.append(exc.detached())
            continue
        if article.id in seen and seen[article.id].resolve() != item.resolve():
            errors.append(ArticleError(item, f"same article name as {seen[article.id]}"))
            continue
        if article.id not in seen:
            seen[article.id] = item
            articles.append(ListedArticle.listed(article, signature))
    return articles, errors


def dumps_listed(obj: object) -> bytes:
    """``obj`` pickled for a process on this machine, with each article in it
    as listed (``listed_form``, where its class has one: a store's article
    goes unread, as its file's name): the other process reads each text from
    the same file when it needs it, instead of this one reading every text to
    send it (the extraction process once held 155 MB of stored texts at
    100,000 articles that way)."""
    buffer = io.BytesIO()
    _ListingPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()


class _ListingPickler(pickle.Pickler):
    def reducer_override(self, obj: object) -> object:
        listed = getattr(type(obj), "listed_form", None)
        return listed(obj) if listed is not None else NotImplemented
