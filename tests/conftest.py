"""Shared test fixtures: seeded generators and the optional PyTorch reference."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh seeded generator for each test (no global random state)."""
    return np.random.default_rng(0)


def torch_or_skip():
    """Import torch, or skip with the reason printed (torch is an optional test extra).

    CI installs torch==2.13.0, so these tests always run there; on a machine without
    torch the fixture-based checks in ``tests/fixtures`` still compare against PyTorch.
    """
    return pytest.importorskip(
        "torch", reason="torch not installed: `pip install torch==2.13.0` runs the live parity tests"
    )
