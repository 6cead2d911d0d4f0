"""Shared test fixtures: seeded generators and the optional PyTorch reference."""

import json
from pathlib import Path

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


OPS_FIXTURE = Path(__file__).parent / "fixtures" / "ops_torch.npz"


def ops_fixture_cases(names):
    """PyTorch results stored by ``fixtures/gen_ops_fixtures.py``, as pytest params ``(meta, arrays)``.

    Keys in the file are ``"<case>/<array name>"``; each case has a JSON ``meta`` naming its op.
    Only cases whose op is in ``names`` are returned.
    """
    with np.load(OPS_FIXTURE, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    cases = {}
    for key, value in arrays.items():
        case, name = key.split("/")
        cases.setdefault(case, {})[name] = value
    return [
        pytest.param(json.loads(str(a["meta"])), a, id=case)
        for case, a in sorted(cases.items())
        if json.loads(str(a["meta"]))["op"] in names
    ]
