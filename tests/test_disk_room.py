"""A build says, before it starts, when its folder looks short of disk room."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers import write_article

import kg.builder
from kg import cli, disk_room
from kg.articles import load_articles
from kg.builder import build_graph
from kg.disk_room import BYTES_PER_ARTICLE, BYTES_PER_TEXT_BYTE, room_needed, short_of_room


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

    monkeypatch.setattr(disk_room.os, "stat", no_stat)
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


@pytest.mark.parametrize("quiet", [False, True])
def test_the_command_line_prints_the_warning_unless_quiet(tmp_path, monkeypatch, capsys, quiet):
    told = []

    def building(paths, **kwargs):
        told.append(kwargs["say"])
        if kwargs["say"] is not None:
            kwargs["say"]("warning: the folder is short of room")
        raise RuntimeError("stopped here")

    monkeypatch.setattr(kg.builder, "build_graph", building)
    write_article(tmp_path, "quill", "Ada Quill won the Best Actress award.")
    args = ["build", str(tmp_path / "quill.txt"), "-o", str(tmp_path / "out"), "--no-html"]
    assert cli.main([*args, "-q"] if quiet else args) == cli.EXIT_NOTHING
    err = capsys.readouterr().err
    assert (told[0] is None) == quiet
    assert ("kg: warning: the folder is short of room" in err) == (not quiet)
    assert "kg: build failed: stopped here" in err
