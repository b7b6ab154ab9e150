"""A build says, before it starts, when its folder looks short of disk room."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers import write_article

import kg.builder
import kg.store
from kg import cli, disk_room
from kg.articles import Article, load_articles
from kg.builder import build_graph
from kg.disk_room import room_needed, short_of_room, size_text
from kg.store import build_into_store


def _free(monkeypatch: pytest.MonkeyPatch, free: int) -> list[Path]:
    """Make ``kg.disk_room`` see ``free`` bytes free; the folders it asked about."""
    asked: list[Path] = []

    def disk_usage(path: Path) -> SimpleNamespace:
        asked.append(Path(path))
        return SimpleNamespace(free=free)

    monkeypatch.setattr(disk_room, "shutil", SimpleNamespace(disk_usage=disk_usage))
    return asked


def _articles(folder: Path, sizes: list[int]) -> list[Article]:
    folder.mkdir()
    for i, size in enumerate(sizes):
        write_article(folder, f"a{i}", "Ada Quill won the Best Actress award. " * (size // 38))
    articles, errors = load_articles([folder])
    assert not errors
    return articles


def test_the_room_needed_grows_with_the_text_and_the_articles():
    # 9 bytes a byte of text and 23 KB an article; a store 3.5 times that
    assert room_needed(0, 0) == 0
    assert room_needed(4_000, 1) == 59_000
    assert room_needed(8_000, 2) == 118_000
    assert room_needed(4_000, 1, store=True) == 206_500


def test_a_folder_short_of_room_is_named_with_what_it_has_and_what_the_build_needs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    articles = _articles(tmp_path / "in", [4_000, 4_000, 800])
    text = sum(a.path.stat().st_size for a in articles)
    need = room_needed(text, 3)
    asked = _free(monkeypatch, need - 1)
    said = short_of_room(tmp_path, articles)
    assert asked == [tmp_path]
    assert said is not None
    assert said.startswith(f"{tmp_path} has {size_text(need - 1)} free, and building 3 "
                           f"article(s) may need about {size_text(need)} there")
    assert "The build goes on" in said
    _free(monkeypatch, need)
    assert short_of_room(tmp_path, articles) is None


def test_a_folder_not_made_yet_is_asked_of_the_nearest_folder_above_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    articles = _articles(tmp_path / "in", [4_000])
    asked = _free(monkeypatch, 1)
    said = short_of_room(tmp_path / "new" / "out", articles)
    assert asked == [tmp_path]
    assert said is not None and said.startswith(f"{tmp_path / 'new' / 'out'} has 0 KB free")


def test_plenty_of_room_is_told_without_looking_up_any_article(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    articles = _articles(tmp_path / "in", [4_000])

    def no_stat(*args: object) -> None:
        raise AssertionError("an article was looked up")

    monkeypatch.setattr(disk_room, "os", SimpleNamespace(stat=no_stat))
    # room for the largest article kg reads (10 MB of text), once per article
    _free(monkeypatch, 90_023_000)
    assert short_of_room(tmp_path, articles) is None
    _free(monkeypatch, 315_080_500)  # the same for a store
    assert short_of_room(tmp_path, articles, store=True) is None
    _free(monkeypatch, 315_080_499)
    with pytest.raises(AssertionError, match="looked up"):
        short_of_room(tmp_path, articles, store=True)


def test_one_large_article_is_looked_up_and_warned_about(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    articles = _articles(tmp_path / "in", [1_000_000])
    _free(monkeypatch, 5_000_000)
    said = short_of_room(tmp_path, articles)
    assert said is not None and "may need about 9.0 MB there" in said


def test_an_article_gone_since_it_was_listed_counts_as_no_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    articles = _articles(tmp_path / "in", [4_000, 4_000])
    articles[0].path.unlink()
    _free(monkeypatch, 1)
    said = short_of_room(tmp_path, articles)
    need = room_needed(articles[1].path.stat().st_size, 2)
    assert said is not None and f"about {size_text(need)} there" in said


def test_a_folder_whose_room_cannot_be_asked_is_not_warned_about(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    articles = _articles(tmp_path / "in", [4_000])

    def refused(path: Path) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(disk_room, "shutil", SimpleNamespace(disk_usage=refused))
    assert short_of_room(tmp_path, articles) is None


@pytest.mark.parametrize(("size", "text"), [(0, "0 KB"), (512_000, "512 KB"),
                                            (999_999, "1.0 MB"), (3_400_000, "3.4 MB"),
                                            (6_050_000_000, "6.0 GB")])
def test_sizes_read_as_a_person_reads_them(size: int, text: str):
    assert size_text(size) == text


def _one_article_in_1_kb_free(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of one article, on a disk seen with 1 KB free."""
    src = tmp_path / "in"
    src.mkdir()
    write_article(src, "quill", "Ada Quill won the Best Actress award at the Harbor Awards.")
    _free(monkeypatch, 1_000)
    return src


def test_a_build_short_of_room_says_so_once_before_it_parses_and_still_builds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    src = _one_article_in_1_kb_free(tmp_path, monkeypatch)
    heard: list[str] = []
    with build_graph([src], workdir=tmp_path / "out", say=heard.append,
                     progress=lambda done, total, what: heard.append(what)) as result:
        assert result.articles == 1 and len(result.graph) > 0
    warnings = [h for h in heard if h.startswith("warning: ")]
    assert len(warnings) == 1 and heard[0] == warnings[0]
    assert warnings[0].startswith(f"warning: {tmp_path / 'out'} has 1 KB free, and building 1 "
                                  f"article(s) may need about ")


def test_a_store_is_warned_about_the_articles_it_does_not_hold_yet(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    src = _one_article_in_1_kb_free(tmp_path, monkeypatch)
    said: list[str] = []
    with build_into_store([src], tmp_path / "store", warn=said.append):
        pass
    assert len(said) == 1
    assert said[0].startswith(f"warning: {tmp_path / 'store'} has 1 KB free, and adding 1 "
                              f"article(s) may need about ")
    needs = room_needed(src.joinpath("quill.txt").stat().st_size, 1, store=True)
    assert f"about {size_text(needs)} there" in said[0]
    # the same article again, unchanged, adds nothing: no warning
    with build_into_store([src], tmp_path / "store", warn=said.append):
        pass
    assert len(said) == 1
    # changed, it is added again; beside it a new one
    write_article(src, "quill", "Ada Quill won the Best Actress award at the Tide Awards.")
    write_article(src, "vance", "Jon Vance won the Best Actor award at the Harbor Awards.")
    with build_into_store([src], tmp_path / "store", warn=said.append):
        pass
    assert len(said) == 2 and "adding 2 article(s)" in said[1]


@pytest.mark.parametrize("quiet", [False, True])
@pytest.mark.parametrize("store", [False, True])
def test_the_command_line_prints_the_warning_unless_quiet(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        quiet: bool, store: bool):
    told: list[Callable[[str], None] | None] = []

    def building(paths: object, *args: object, **kwargs: object) -> None:
        warn = kwargs["warn" if store else "say"]
        told.append(warn)  # type: ignore[arg-type]
        if callable(warn):
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
