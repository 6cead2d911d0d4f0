"""The tutorial (docs/*.md) runs: every ``>>>`` example is executed with doctest, outputs included."""

import contextlib
import doctest
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]  # the README's examples run too
DATA = os.environ.get("CNN_SCRATCH_DATA") or str(ROOT.parent / "shared" / "data" / "mnist")
CHAPTERS = [
    "01-convolution.md",
    "02-padding-stride.md",
    "03-conv-forward.md",
    "04-conv-backward.md",
    "05-im2col.md",
    "06-pool-dense-loss.md",
    "07-training-mnist.md",
    "index.md",
    "seed-map.md",
]


def test_all_chapters_exist():
    assert set(CHAPTERS) <= {p.name for p in DOCS}


def test_index_links_every_chapter():
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    for name in CHAPTERS:
        if name != "index.md":
            assert f"({name})" in index


def test_seed_map_names_the_seed_files_and_words():
    text = (ROOT / "docs" / "seed-map.md").read_text(encoding="utf-8")
    for word in (
        "cnn.py",
        "conv_layer.py",
        "dense_layer.py",
        "activation.py",
        "mean_squared_error.py",
        "utils.py",
        "xor.py",
        "mnist_example.py",
        "dense layer",
        "conv layer",
        "kernel flipping",
    ):
        assert word in text


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_doc_examples_run(path, monkeypatch):
    monkeypatch.setenv("CNN_SCRATCH_DATA", DATA)
    try:
        from threadpoolctl import threadpool_limits

        limits = threadpool_limits(limits=1)  # tiny matrices: one BLAS thread is fastest and steadiest
    except ImportError:  # pragma: no cover
        limits = contextlib.nullcontext()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    with limits:
        result = doctest.testfile(str(path), module_relative=False, optionflags=flags, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {path.name} failed"
    if path.name not in ("index.md",):
        assert result.attempted > 0, f"{path.name} has no runnable example"
