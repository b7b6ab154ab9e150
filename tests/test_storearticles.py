"""The store's kept articles and their index (kg.storearticles): listed without
reading their files, read in full whenever the index cannot vouch for them."""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
from pathlib import Path

import pytest

import kg.storearticles
from kg.articles import Article, ArticleError, dumps_listed
from kg.storearticles import INDEX_NAME, ArticleFolder, StoredArticle, article_file


def _article(name: str, text: str = "Ada Quill won Best Song at the Grammys.") -> Article:
    full = f"date 2024-02-04\n{text}\n"
    return Article(id=name, path=Path(f"/in/{name}.txt"), date=dt.date(2024, 2, 4), text=full,
                   body_start=len("date 2024-02-04\n"))


def _kept(folder: Path, *articles: Article) -> None:
    kept = ArticleFolder(folder)
    kept.articles()
    for a in articles:
        kept.save(a)
    kept.save_index()


@pytest.fixture()
def reads(monkeypatch) -> list[Path]:
    """The stored article files read in full from now on."""
    seen: list[Path] = []
    real = kg.storearticles.read_stored

    def counting(file: Path) -> Article:
        seen.append(file)
        return real(file)

    monkeypatch.setattr(kg.storearticles, "read_stored", counting)
    return seen


def test_indexed_articles_are_listed_without_reading_them(tmp_path, reads):
    one, two = _article("one"), _article("two", "Tomas Brandt hosted the Tonys.")
    _kept(tmp_path, one, two)
    listed = ArticleFolder(tmp_path).articles()
    assert reads == []
    assert sorted(a.id for a in listed) == ["one", "two"]
    assert all(isinstance(a, StoredArticle) for a in listed)
    by_id = {a.id: a for a in listed}
    assert by_id["two"].digest == two.digest and by_id["two"].date == two.date
    assert by_id["two"].path == two.path and by_id["two"].body_start == two.body_start
    assert reads == []
    assert by_id["two"].text == two.text and by_id["two"].body == two.body  # read now
    assert reads == [article_file(tmp_path, "two")]


def test_a_stored_article_pickles_whole(tmp_path):
    one = _article("one")
    _kept(tmp_path, one)
    [listed] = ArticleFolder(tmp_path).articles()
    copy = pickle.loads(pickle.dumps(listed))
    assert type(copy) is Article and copy == one


def test_a_file_changed_behind_the_index_is_read_in_full(tmp_path, reads):
    _kept(tmp_path, _article("one"), _article("two"))
    edited = _article("two", "Noor Okafor won Best Score at the Oscars.")
    file = article_file(tmp_path, "two")
    data = json.loads(file.read_text(encoding="utf-8"))
    file.write_text(json.dumps({**data, "text": edited.text}), encoding="utf-8")
    kept = ArticleFolder(tmp_path)
    listed = {a.id: a for a in kept.articles()}
    assert reads == [file]
    assert listed["two"].digest == edited.digest
    kept.save_index()  # the index now vouches for the edited file
    reads.clear()
    assert {a.id: a.digest for a in ArticleFolder(tmp_path).articles()}["two"] == edited.digest
    assert reads == []


@pytest.mark.parametrize("damage", ["missing", "garbage", "old format", "bad date",
                                    "bad path"])
def test_a_damaged_index_means_reading_every_file(tmp_path, reads, damage):
    articles = [_article("one"), _article("two", "Rob Hale won Best Actor at the BAFTAs.")]
    _kept(tmp_path, *articles)
    index = tmp_path / INDEX_NAME
    if damage == "missing":
        index.unlink()
    elif damage == "garbage":
        index.write_bytes(b"\x00{[")
    elif damage == "old format":
        index.write_text(json.dumps({"format": 0, "articles": {}}))
    else:
        data = json.loads(index.read_text())
        for row in data["articles"].values():
            row[2 if damage == "bad date" else 1] = "not a date" if damage == "bad date" else 7
        index.write_text(json.dumps(data))
    kept = ArticleFolder(tmp_path)
    assert sorted((a.id, a.digest) for a in kept.articles()) == sorted(
        (a.id, a.digest) for a in articles)
    assert len(reads) == 2
    kept.save_index()
    reads.clear()
    ArticleFolder(tmp_path).articles()
    assert reads == []


def test_a_file_damaged_in_place_is_found_when_its_text_is_read(tmp_path):
    _kept(tmp_path, _article("one"), _article("two"))
    file = article_file(tmp_path, "one")
    before = file.stat()
    with open(file, "r+b") as fh:  # same size, same inode, and the time put back
        fh.write(b"x" * before.st_size)
    os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))
    kept = ArticleFolder(tmp_path)
    listed = {a.id: a for a in kept.articles()}  # the index still vouches for it
    with pytest.raises(ArticleError, match="left out") as caught:
        _ = listed["one"].text
    assert caught.value.path == file and listed["one"].damaged
    kept.save_index()  # its row goes: the next listing reads it, and reports it
    errors: list[ArticleError] = []
    assert [a.id for a in ArticleFolder(tmp_path).articles(errors)] == ["two"]
    assert [e.path for e in errors] == [file]


def test_with_text_reads_a_stored_text_without_keeping_it(tmp_path, reads):
    """A reader of every stored text (the index of letters) must not hold them
    all: ``with_text`` gives a plain article and leaves the listed one as it
    was; a damaged file is still found, and flagged."""
    _kept(tmp_path, _article("one"), _article("two"))
    listed = {a.id: a for a in ArticleFolder(tmp_path).articles()}
    read = listed["one"].with_text()
    assert type(read) is Article and read == _article("one")
    assert "text" not in vars(listed["one"]) and len(reads) == 1
    assert listed["one"].text == read.text and listed["one"].with_text() is listed["one"]
    file = article_file(tmp_path, "two")
    stat = file.stat()
    with open(file, "r+b") as fh:
        fh.write(b"x" * stat.st_size)
    with pytest.raises(ArticleError, match="left out"):
        listed["two"].with_text()
    assert listed["two"].damaged


def test_checking_and_sending_a_stored_text_keep_nothing(tmp_path, reads):
    """The extraction process checks every text it will parse, and a worker it
    forks reads the text itself: neither the check nor pickling leaves the
    text on the listed article (the process would hold them all till it ends)."""
    _kept(tmp_path, _article("one"), _article("two"))
    listed = {a.id: a for a in ArticleFolder(tmp_path).articles()}
    listed["one"].check_readable()
    assert len(reads) == 1 and "text" not in vars(listed["one"])
    plain = pickle.loads(pickle.dumps(listed["one"]))
    assert type(plain) is Article and plain == _article("one")
    assert len(reads) == 2 and "text" not in vars(listed["one"])
    # as a worker is sent its chunk: unread, read where it is used
    [sent] = pickle.loads(dumps_listed([listed["one"]]))
    assert len(reads) == 2 and type(sent) is StoredArticle and "text" not in vars(sent)
    assert sent.with_text() == _article("one")
    file = article_file(tmp_path, "two")
    with open(file, "r+b") as fh:
        fh.write(b"x" * file.stat().st_size)
    with pytest.raises(ArticleError, match="left out"):
        listed["two"].check_readable()
    assert listed["two"].damaged


def test_a_released_listing_saves_its_index_first_and_then_holds_nothing(tmp_path):
    """A build releases the listing once its articles are extracted (its rows
    and articles would stay through linking and the database); the index is
    saved first, a damaged article's row dropped, and nothing is written or
    kept after, until the articles are listed again."""
    _kept(tmp_path, _article("one"), _article("two"))
    (tmp_path / INDEX_NAME).unlink()
    kept = ArticleFolder(tmp_path)
    listed = {a.id: a for a in kept.articles()}
    listed["two"].found_damaged()
    kept.release()
    rows = json.loads((tmp_path / INDEX_NAME).read_text())["articles"]
    assert [row[0] for row in rows.values()] == ["one"]
    kept.save_index()
    assert json.loads((tmp_path / INDEX_NAME).read_text())["articles"] == rows
    with pytest.raises(RuntimeError, match="released"):
        kept.save(_article("three"))
    assert sorted(a.id for a in kept.articles()) == ["one", "two"]
    kept.save(_article("three"))


def test_a_rewritten_file_is_read_in_full_whatever_its_size_and_time(tmp_path, reads):
    _kept(tmp_path, _article("one"))
    file = article_file(tmp_path, "one")
    before = file.stat()
    edited = _article("one", "Ada Quill won Best Song at the Grammys!")  # same length
    data = json.loads(file.read_text(encoding="utf-8"))
    replacement = tmp_path / "replacement"
    replacement.write_text(json.dumps({**data, "text": edited.text}), encoding="utf-8")
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, file)  # as an atomic write does: a new inode
    assert file.stat().st_size == before.st_size
    [listed] = ArticleFolder(tmp_path).articles()
    assert reads == [file] and listed.digest == edited.digest


def test_a_damaged_file_is_reported_and_left_out(tmp_path):
    _kept(tmp_path, _article("one"), _article("two"))
    file = article_file(tmp_path, "one")
    file.write_text('{"id": "one", "te', encoding="utf-8")
    errors: list[ArticleError] = []
    listed = ArticleFolder(tmp_path).articles(errors)
    assert [a.id for a in listed] == ["two"]
    assert [e.path for e in errors] == [file] and "damaged stored article" in errors[0].problem


def test_a_folder_or_a_dangling_link_among_the_articles_is_reported(tmp_path):
    _kept(tmp_path, _article("one"))
    (tmp_path / "a-folder.json").mkdir()
    (tmp_path / "b-link.json").symlink_to(tmp_path / "nowhere.json")
    errors: list[ArticleError] = []
    assert [a.id for a in ArticleFolder(tmp_path).articles(errors)] == ["one"]
    assert [e.path.name for e in errors] == ["a-folder.json", "b-link.json"]
    assert "not a file" in errors[0].problem and "cannot read" in errors[1].problem


def test_a_file_gone_is_dropped_from_the_index(tmp_path):
    _kept(tmp_path, _article("one"), _article("two"))
    os.unlink(article_file(tmp_path, "one"))
    kept = ArticleFolder(tmp_path)
    assert [a.id for a in kept.articles()] == ["two"]
    kept.save_index()
    rows = json.loads((tmp_path / INDEX_NAME).read_text())["articles"]
    assert [row[0] for row in rows.values()] == ["two"]


def test_stored_articles_reach_the_extraction_process_unread(tmp_path, reads):
    """The extraction process is sent the stored articles as they are listed
    (it reads each text when it needs it), not their texts read here; a
    cluster machine, which may not see the store, still gets the text."""
    one, two = _article("one"), _article("two", "Tomas Brandt hosted the Tonys.")
    _kept(tmp_path, one, two)
    listed = sorted(ArticleFolder(tmp_path).articles(), key=lambda a: a.id)
    sent = pickle.loads(dumps_listed((listed, 2)))[0]
    assert reads == []
    assert [type(a) for a in sent] == [StoredArticle, StoredArticle]
    assert [(a.id, a.path, a.date, a.digest) for a in sent] == [
        (a.id, a.path, a.date, a.digest) for a in (one, two)]
    assert [a.text for a in sent] == [one.text, two.text]  # read there, when asked
    assert len(reads) == 2
    plain = pickle.loads(pickle.dumps(listed[0]))
    assert type(plain) is Article and plain.text == one.text


def test_a_packed_listing_reaches_the_extraction_process_as_the_same_list(tmp_path, reads):
    """A store's listing goes to the extraction process packed (its kept
    articles a column per field): it arrives as the list it was, in its
    order, each article of its class, the kept ones still unread."""
    from kg.articles import ListedArticle
    from kg.storearticles import PackedListing, SavedArticle

    one, two, three = (_article("one"), _article("two", "Tomas Brandt hosted the Tonys."),
                       _article("three", "Noor Vale won Best Score."))
    _kept(tmp_path, one, two)
    stored = sorted(ArticleFolder(tmp_path).articles(), key=lambda a: a.id)
    saved = ArticleFolder(tmp_path)
    saved.articles()
    new = saved.save(three)
    listed = ListedArticle.listed(_article("four", "Ida Moss hosted."))
    plain = _article("five", "Rui Sol won.")
    before = [stored[1], new, stored[0], listed, plain]
    reads.clear()
    sent = pickle.loads(dumps_listed((PackedListing(before), 2)))[0]
    assert reads == []
    assert [type(a) for a in sent] == [StoredArticle, SavedArticle, StoredArticle,
                                       ListedArticle, Article]
    assert [(a.id, a.path, a.date, a.body_start, a.digest) for a in sent] == [
        (a.id, a.path, a.date, a.body_start, a.digest) for a in before]
    assert [a.text for a in sent[::2]] == [two.text, one.text, plain.text]
    assert sent[0].file == stored[1].file and not sent[0].damaged
    assert pickle.loads(dumps_listed((PackedListing([]), 2)))[0] == []


def test_an_article_the_index_cannot_vouch_for_is_read_then_listed_unread(tmp_path, reads):
    one = _article("one")
    _kept(tmp_path, one)
    (tmp_path / INDEX_NAME).unlink()
    (listed,) = ArticleFolder(tmp_path).articles()
    assert reads == [article_file(tmp_path, "one")]  # read once, to check and index it
    assert isinstance(listed, StoredArticle) and "text" not in vars(listed)
    assert listed.digest == one.digest and listed.text == one.text
