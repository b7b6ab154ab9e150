"""A build says, before it starts, when its folder looks short of disk room."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers import write_article

import kg.builder
import kg.store
from kg import cli, disk_room
from kg.articles import load_articles
from kg.builder import build_graph
from kg.disk_room import (
    BYTES_PER_ARTICLE,
    BYTES_PER_TEXT_BYTE,
    STORE_TIMES,
    room_needed,
    short_of_room,
)
from kg.store import build_into_store


def _free(monkeypatch: pytest.MonkeyPatch, free: int) -> None:
    monkeypatch.setattr(disk_room.shutil, "disk_usage", lambda path: SimpleNamespace(free=free))


def _articles(folder: Path, sizes: list[int]):
    folder.mkdir()
    for i, size in enumerate(sizes):
        write_article(folder, f"a{i}", "Ada Quill won the Best Actress award. " * (size // 38))
    articles, errors = load_articles([folder])
    assert not errors
    return articles


def test_the_room_needed_grows_with_the_text_and_the_articles():
    assert room_needed(0, 0) == 0
    assert room_needed(4_000, 1) == 4_000 * BYTES_PER_TEXT_BYTE + BYTES_PER_ARTICLE
    assert room_needed(8_000, 2) == 2 * room_needed(4_000, 1)
    assert room_needed(4_000, 1, store=True) == round(room_needed(4_000, 1) * STORE_TIMES)


def test_a_folder_short_of_room_is_named_with_what_it_has_and_what_the_build_needs(
        tmp_path, monkeypatch):
    articles = _articles(tmp_path / "in", [4_000, 4_000, 800])
    text = sum(a.path.stat().st_size for a in articles)
    need = room_needed(text, 3)
    _free(monkeypatch, need - 1)
    said = short_of_room(tmp_path, articles)
    assert said is not None
    assert said.startswith(f"{tmp_path} has {disk_room.size_text(need - 1)} free")
    assert f"building 3 article(s) may need about {disk_room.size_text(need)} there" in said
    _free(monkeypatch, need)
    assert short_of_room(tmp_path, articles) is None


def test_plenty_of_room_is_told_without_looking_up_any_article(tmp_path, monkeypatch):
    articles = _articles(tmp_path / "in", [4_000])
    _free(monkeypatch, 10**10)

    def no_stat(*args, **kwargs):
        raise AssertionError("an article was looked up")

    monkeypatch.setattr(disk_room, "os", SimpleNamespace(stat=no_stat))
    assert short_of_room(tmp_path, articles) is None


def test_an_article_gone_since_it_was_listed_counts_as_no_text(tmp_path, monkeypatch):
    articles = _articles(tmp_path / "in", [4_000, 4_000])
    articles[0].path.unlink()
    _free(monkeypatch, 1)
    said = short_of_room(tmp_path, articles)
    need = room_needed(articles[1].path.stat().st_size, 2)
    assert said is not None and f"about {disk_room.size_text(need)} there" in said


@pytest.mark.parametrize(("size", "text"), [(0, "0 KB"), (512_000, "512 KB"),
                                            (3_400_000, "3.4 MB"), (6_050_000_000, "6.0 GB")])
def test_sizes_read_as_a_person_reads_them(size, text):
    assert disk_room.size_text(size) == text


def test_a_build_short_of_room_says_so_once_and_still_builds(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    write_article(src, "quill", "Ada Quill won the Best Actress award at the Harbor Awards.")
    _free(monkeypatch, 1_000)
    said: list[str] = []
    with build_graph([src], workdir=tmp_path / "out", say=said.append) as result:
        assert result.articles == 1 and len(result.graph) > 0
    assert len(said) == 1
    assert said[0].startswith(f"warning: {tmp_path / 'out'} has 1 KB free, and building 1 "
                              f"article(s) may need about ")


def test_a_store_is_warned_about_the_articles_it_does_not_hold_yet(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    write_article(src, "quill", "Ada Quill won the Best Actress award at the Harbor Awards.")
    _free(monkeypatch, 1_000)
    said: list[str] = []
    with build_into_store([src], tmp_path / "store", warn=said.append):
        pass
    assert len(said) == 1
    assert said[0].startswith(f"warning: {tmp_path / 'store'} has 1 KB free, and adding 1 "
                              f"article(s) may need about ")
    needs = room_needed(src.joinpath("quill.txt").stat().st_size, 1, store=True)
    assert f"about {disk_room.size_text(needs)} there" in said[0]
    # the same article again, unchanged, adds nothing: no warning
    with build_into_store([src], tmp_path / "store", warn=said.append):
        pass
    assert len(said) == 1
    write_article(src, "vance", "Jon Vance won the Best Actor award at the Harbor Awards.")
    with build_into_store([src], tmp_path / "store", warn=said.append):
        pass
    assert len(said) == 2 and "adding 1 article(s)" in said[1]


@pytest.mark.parametrize("quiet", [False, True])
@pytest.mark.parametrize("store", [False, True])
def test_the_command_line_prints_the_warning_unless_quiet(tmp_path, monkeypatch, capsys, quiet,
                                                          store):
    told = []

    def building(paths, *args, **kwargs):
        warn = kwargs["warn" if store else "say"]
        told.append(warn)
        if warn is not None:
            warn("warning: the folder is short of room")
        raise RuntimeError("stopped here")

    if store:
        monkeypatch.setattr(kg.store, "build_into_store", building)
    else:
        monkeypatch.setattr(kg.builder, "build_graph", building)
    write_article(tmp_path, "quill", "Ada Quill won the Best Actress award.")
    args = ["build", str(tmp_path / "quill.txt"), "--no-html",
            *(["--store", str(tmp_path / "store")] if store else ["-o", str(tmp_path / "out")])]
    assert cli.main([*args, "-q"] if quiet else args) == cli.EXIT_NOTHING
    err = capsys.readouterr().err
    assert (told[0] is None) == quiet
    assert ("kg: warning: the folder is short of room" in err) == (not quiet)
    assert "kg: build failed: stopped here" in err
