"""Reading article files, and every kind of bad input named in a clear error."""

from __future__ import annotations

import datetime as dt
import os
import pickle
from pathlib import Path

import pytest

from kg.articles import (
    Article,
    ArticleError,
    ListedArticle,
    load_articles,
    parse_article,
    read_article,
)


def test_date_line_and_body_offsets(tmp_path):
    path = tmp_path / "a1.txt"
    path.write_text(" date 2020-09-21 First sentence.\nSecond line.", encoding="utf-8")
    article = read_article(path)
    assert article.id == "a1"
    assert article.date == dt.date(2020, 9, 21)
    assert article.body == "First sentence.\nSecond line."
    assert article.text[article.body_start :].startswith("First")


def test_date_line_on_its_own_line(tmp_path):
    path = tmp_path / "a2.txt"
    path.write_text("date 2021-01-05\nText here.", encoding="utf-8")
    assert read_article(path).body == "Text here."


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty file"),
        (b"   \n\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
        (b" date 2020-01-01 caf\xe9", "not UTF-8 text (invalid byte 0xe9 at offset 20)"),
        (b"Just text without a date line.", "missing date line"),
        (b" date 21/09/2020 Text", "malformed date '21/09/2020'"),
        (b" date 2020-02-30 Text", "impossible date '2020-02-30'"),
        (b" date 2020-02-03   ", "no text after the date line"),
    ],
)
def test_bad_files_are_named_with_their_problem(tmp_path, data, problem):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(ArticleError) as info:
        parse_article(path, path.read_bytes())
    assert problem in str(info.value)
    assert str(path) in str(info.value)


def test_a_batch_keeps_going_past_bad_files(tmp_path):
    (tmp_path / "good.txt").write_text(" date 2020-09-21 Fine.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "nodate.txt").write_text("No date here.", encoding="utf-8")
    (tmp_path / "empty-folder").mkdir()
    articles, errors = load_articles([tmp_path, tmp_path / "missing.txt",
                                      tmp_path / "empty-folder"])
    assert [a.id for a in articles] == ["good"]
    problems = sorted((e.path.name, e.problem.split(" (")[0].split(":")[0]) for e in errors)
    assert problems == [
        ("empty-folder", "folder contains no article files"),
        ("empty.txt", "empty file"),
        ("missing.txt", "no such file or folder"),
        ("nodate.txt", "missing date line"),
    ]


def test_articles_are_read_in_sorted_order(tmp_path):
    for name in ("b", "a", "c"):
        (tmp_path / f"{name}.txt").write_text(" date 2020-09-21 Text.", encoding="utf-8")
    articles, errors = load_articles([tmp_path])
    assert [a.id for a in articles] == ["a", "b", "c"] and not errors


def test_a_listed_article_keeps_no_text_and_reads_its_file_when_asked(tmp_path):
    path = tmp_path / "a1.txt"
    path.write_text(" date 2020-09-21 Ada Quill won. “Yes,” she said.", encoding="utf-8")
    (article,), errors = load_articles([tmp_path])
    assert not errors and "text" not in vars(article)
    assert article.body == "Ada Quill won. “Yes,” she said."
    assert "text" not in vars(article)  # read, not kept
    whole = article.with_text()
    assert type(whole) is Article and whole.text == path.read_text(encoding="utf-8")
    assert (whole.id, whole.date, whole.body_start, whole.digest) == (
        article.id, article.date, article.body_start, article.digest)
    copied = pickle.loads(pickle.dumps(article))  # a worker gets the listing, not the text
    assert "text" not in vars(copied) and copied.body == whole.body


def test_checking_a_listed_article_reads_its_file_only_if_the_file_changed(
        tmp_path, monkeypatch):
    path = tmp_path / "a1.txt"
    path.write_text(" date 2020-09-21 Ada Quill won.", encoding="utf-8")
    listed_at = path.stat().st_mtime_ns
    (article,), _ = load_articles([tmp_path])
    reads: list[Path] = []
    real_read = ListedArticle._read
    monkeypatch.setattr(ListedArticle, "_read",
                        lambda self: (reads.append(self.path), real_read(self))[1])
    article.check_readable()  # unchanged: nothing read
    assert reads == []
    path.write_text(" date 2020-09-21 Tomas Brandt won, and more.", encoding="utf-8")
    with pytest.raises(ArticleError, match="changed while the build was running"):
        article.check_readable()
    assert reads == [path]
    path.write_text(" date 2020-09-21 Ada Quill won.", encoding="utf-8")  # the same text again
    # a rewrite within one clock tick may keep the time
    os.utime(path, ns=(listed_at + 10**9, listed_at + 10**9))
    article.check_readable()  # a new signature, the same text: read, and fine
    assert reads == [path, path]
    path.unlink()
    with pytest.raises(ArticleError, match="no such file"):
        article.check_readable()
    unsigned = ListedArticle(article.id, path, article.date, article.body_start, article.digest)
    with pytest.raises(ArticleError, match="no such file"):  # no signature: always read
        unsigned.check_readable()


def test_a_listed_article_whose_file_changed_or_went_is_named(tmp_path):
    path = tmp_path / "a1.txt"
    path.write_text(" date 2020-09-21 Ada Quill won.", encoding="utf-8")
    (article,), _ = load_articles([tmp_path])
    path.write_text(" date 2020-09-21 Tomas Brandt won.", encoding="utf-8")
    with pytest.raises(ArticleError, match="changed while the build was running") as info:
        _ = article.text
    assert info.value.path == path
    path.unlink()
    with pytest.raises(ArticleError, match="no such file"):
        article.with_text()
    copied = pickle.loads(pickle.dumps(article))  # compared and hashed by the listing alone
    assert copied == article and hash(copied) == hash(article) and len({article, copied}) == 1


def test_a_worker_names_an_article_whose_file_changed_and_the_stale_text_may_mention_anything(
        tmp_path):
    from kg.extract.known_works import KnownWorks
    from kg.passes import Job, _touched, job_with_text

    path = tmp_path / "a1.txt"
    path.write_text(" date 2020-09-21 Ada Quill won.", encoding="utf-8")
    (article,), _ = load_articles([tmp_path])
    job = Job(0, article, tmp_path, "key", "stem")
    assert type(job_with_text(job).article) is Article
    titles = KnownWorks({"copper lake": "Copper Lake"})
    assert _touched(titles, [job], None, {}) == set()
    path.write_text(" date 2020-09-21 Tomas Brandt won.", encoding="utf-8")
    failed = job_with_text(job)
    assert isinstance(failed, ArticleError) and failed.path == path
    assert _touched(titles, [job], None, {}) == {0}  # extracted again, which reports it
