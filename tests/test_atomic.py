"""Atomic writes: a failing write leaves the old file as it was and no temporary file behind."""

import pytest

from cnn_scratch._atomic import atomic_open


def test_success_replaces_and_failure_keeps_the_old_file(tmp_path):
    path = tmp_path / "sub" / "history.json"
    with atomic_open(path) as f:
        f.write("old")
    assert path.read_text() == "old"
    with pytest.raises(RuntimeError), atomic_open(path) as f:
        f.write("half of the new")
        raise RuntimeError("disk full")
    assert path.read_text() == "old"
    assert [p.name for p in path.parent.iterdir()] == ["history.json"]
    with atomic_open(path, "wb") as f:
        f.write(b"new")
    assert path.read_bytes() == b"new"
