"""kg.atomic: a file is either the old one or the new one, never half of one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import kg.atomic
from kg.atomic import write_atomic


def test_write_replaces_the_file_with_normal_permissions(tmp_path):
    target = tmp_path / "sub" / "graph.ttl"
    write_atomic(target, b"new", durable=True)
    assert target.read_bytes() == b"new"
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert [p.name for p in target.parent.iterdir()] == ["graph.ttl"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "graph.ttl"
    target.write_bytes(b"old")

    def broken_rename(src, dst):
        assert Path(src).read_bytes() == b"new"  # written in full before the rename
        raise OSError("disk went away")

    monkeypatch.setattr(kg.atomic.os, "replace", broken_rename)
    with pytest.raises(OSError, match="disk went away"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]
