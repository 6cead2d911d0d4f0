"""Schedulers: the same rates (and OneCycle momenta) as PyTorch, closed forms, resume, errors."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import torch_or_skip

from cnn_scratch.nn import Parameter
from cnn_scratch.optim import SGD, Adam
from cnn_scratch.optim.lr_scheduler import CosineAnnealingLR, OneCycleLR, StepLR

FIXTURE = Path(__file__).parent / "fixtures" / "nn_torch.npz"
STEPS = 30

SCHEDULES = [
    (StepLR, dict(step_size=3, gamma=0.5)),
    (StepLR, dict(step_size=1)),
    (CosineAnnealingLR, dict(T_max=10, eta_min=0.001)),  # 30 steps: down, up, down again
    (CosineAnnealingLR, dict(T_max=7)),
    (OneCycleLR, dict(max_lr=0.5, total_steps=STEPS)),
    (OneCycleLR, dict(max_lr=0.5, epochs=3, steps_per_epoch=10, anneal_strategy="linear", pct_start=0.25)),
    (
        OneCycleLR,
        dict(max_lr=0.5, total_steps=STEPS, three_phase=True, div_factor=10.0, final_div_factor=100.0),
    ),
    (OneCycleLR, dict(max_lr=0.5, total_steps=STEPS, cycle_momentum=False)),
]


def ours(opt_name, sched_cls, kw, steps=STEPS):
    p = [Parameter(np.zeros(2))]
    opt = SGD(p, lr=0.1, momentum=0.9) if opt_name == "SGD" else Adam(p, lr=0.1)
    sched = sched_cls(opt, **kw)
    lrs, moms = [], []
    for _ in range(steps):
        lrs.append(sched.get_last_lr()[0])
        assert opt.lr == lrs[-1]
        moms.append(opt.momentum if opt_name == "SGD" else opt.betas[0])
        opt.step()
        sched.step()
    return lrs, moms


@pytest.mark.torch
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
@pytest.mark.parametrize("sched_cls,kw", SCHEDULES)
def test_same_rates_as_torch(sched_cls, kw, opt_name):
    torch = torch_or_skip()
    w = torch.zeros(2, requires_grad=True)
    topt = torch.optim.SGD([w], lr=0.1, momentum=0.9) if opt_name == "SGD" else torch.optim.Adam([w], lr=0.1)
    tsched = getattr(torch.optim.lr_scheduler, sched_cls.__name__)(topt, **kw)
    t_lrs, t_moms = [], []
    for _ in range(STEPS):
        t_lrs.append(tsched.get_last_lr()[0])
        group = topt.param_groups[0]
        t_moms.append(group["momentum"] if opt_name == "SGD" else group["betas"][0])
        w.grad = torch.zeros(2)
        topt.step()
        tsched.step()
    lrs, moms = ours(opt_name, sched_cls, kw)
    np.testing.assert_allclose(lrs, t_lrs, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(moms, t_moms, rtol=1e-12)
    assert len(set(np.round(lrs, 12))) > 2  # the schedule really changes the rate


def test_step_lr_closed_form():
    lrs, _ = ours("SGD", StepLR, dict(step_size=4, gamma=0.1), steps=12)
    assert lrs == pytest.approx([0.1] * 4 + [0.01] * 4 + [0.001] * 4)


def test_cosine_endpoints_and_midpoint():
    lrs, _ = ours("SGD", CosineAnnealingLR, dict(T_max=10, eta_min=0.02), steps=21)
    assert lrs[0] == pytest.approx(0.1)
    assert lrs[5] == pytest.approx(0.06)  # (0.1 + 0.02) / 2 at the half period
    assert lrs[10] == pytest.approx(0.02)
    assert lrs[20] == pytest.approx(0.1)  # the cosine continues periodically, like PyTorch's


def test_one_cycle_shape_by_hand():
    lrs, moms = ours(
        "SGD", OneCycleLR, dict(max_lr=1.0, total_steps=11, pct_start=0.5, anneal_strategy="linear"), 11
    )
    # warm-up over steps 0..4.5 (end_step = 0.5*11 - 1), from 1/25 to 1; then down to 1/25/1e4 at step 10
    assert lrs[0] == pytest.approx(0.04)
    assert lrs[2] == pytest.approx(0.04 + (1 - 0.04) * 2 / 4.5)
    assert lrs[10] == pytest.approx(0.04 / 1e4)
    assert max(lrs) < 1.0 and lrs.index(max(lrs)) in (4, 5)
    assert moms[0] == pytest.approx(0.95) and min(moms) < 0.87  # momentum goes the other way


def test_one_cycle_needs_steps_and_stops_after_total():
    opt = SGD([Parameter(np.zeros(1))], lr=0.1)
    with pytest.raises(
        ValueError, match=r"OneCycleLR: expected total_steps, or both epochs and steps_per_epoch"
    ):
        OneCycleLR(opt, max_lr=0.1, epochs=3)
    sched = OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        sched.step()  # like PyTorch: total_steps steps after construction are allowed
    with pytest.raises(
        ValueError, match=r"OneCycleLR.step: expected at most total_steps=3 steps, got step 4"
    ):
        sched.step()


@pytest.mark.parametrize(
    "build,exc,pattern",
    [
        (lambda o: StepLR(o, step_size=0), ValueError, r"StepLR: expected step_size as a positive int"),
        (lambda o: StepLR(o, step_size=2.5), TypeError, r"StepLR: expected step_size as a positive int"),
        (lambda o: CosineAnnealingLR(o, T_max=0), ValueError, r"CosineAnnealingLR: expected T_max"),
        (lambda o: OneCycleLR(o, 0.1, 10, pct_start=1.5), ValueError, r"pct_start in \[0, 1\]"),
        (lambda o: OneCycleLR(o, 0.1, 10, anneal_strategy="exp"), ValueError, r"anneal_strategy \"cos\""),
        (lambda o: StepLR("sgd", step_size=2), TypeError, r"StepLR: expected an Optimizer"),
    ],
)
def test_bad_arguments(build, exc, pattern):
    with pytest.raises(exc, match=pattern):
        build(SGD([Parameter(np.zeros(1))], lr=0.1))


@pytest.mark.parametrize("sched_cls,kw", SCHEDULES)
def test_resume_continues_the_schedule(sched_cls, kw):
    straight, straight_m = ours("Adam", sched_cls, kw)
    p = [Parameter(np.zeros(2))]
    opt = Adam(p, lr=0.1)
    sched = sched_cls(opt, **kw)
    for _ in range(7):
        opt.step()
        sched.step()
    saved_opt = json.loads(json.dumps(opt.state_dict(), default=lambda a: a.tolist()))
    saved_sched = json.loads(json.dumps(sched.state_dict()))  # plain numbers: JSON-able
    opt2 = Adam([Parameter(np.zeros(2))], lr=0.1)
    sched2 = sched_cls(opt2, **kw)
    opt2.load_state_dict({"state": {}, "param_groups": saved_opt["param_groups"]})
    sched2.load_state_dict(saved_sched)
    rest = []
    for _ in range(STEPS - 7):
        rest.append((sched2.get_last_lr()[0], opt2.betas[0]))
        opt2.step()
        sched2.step()
    assert [r[0] for r in rest] == straight[7:]
    assert [r[1] for r in rest] == straight_m[7:]


def test_load_state_dict_rejects_unknown_keys():
    sched = StepLR(SGD([Parameter(np.zeros(1))], lr=0.1), step_size=2)
    with pytest.raises(
        ValueError, match=r"StepLR.load_state_dict: expected keys among .* got unknown keys \['T_max'\]"
    ):
        sched.load_state_dict({"T_max": 3})


def test_get_last_lr_is_a_list_like_torch():
    sched = CosineAnnealingLR(SGD([Parameter(np.zeros(1))], lr=0.1), T_max=4)
    sched.step()
    assert sched.get_last_lr() == [pytest.approx(0.05 * (1 + math.cos(math.pi / 4)))]


def fixture_sched_cases():
    with np.load(FIXTURE, allow_pickle=False) as data:
        return sorted({k.split("/")[0] for k in data.files if k.startswith("sched_")})


@pytest.mark.parametrize("case", fixture_sched_cases())
def test_same_rates_as_torch_fixture(case):
    """Stored torch.optim.lr_scheduler sequences (tests/fixtures/gen_nn_fixtures.py): runs without torch."""
    from cnn_scratch.optim import lr_scheduler

    with np.load(FIXTURE, allow_pickle=False) as data:
        cls, kw = json.loads(str(data[f"{case}/spec"]))
        t_lrs, t_moms = data[f"{case}/lrs"], data[f"{case}/momenta"]
    lrs, moms = ours("SGD", getattr(lr_scheduler, cls), kw)
    np.testing.assert_allclose(lrs, t_lrs, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(moms, t_moms, rtol=1e-12)
