"""Checkpoints and resume: an interrupted run ends bit for bit where an uninterrupted one does."""

import signal

import numpy as np
import pytest

from cnn_scratch import io, nn, optim
from cnn_scratch.train import fit, load_checkpoint

N, EPOCHS, BATCH = 48, 3, 8  # 6 batches per epoch


def _data():
    rng = np.random.default_rng(123)
    x = rng.random((N, 1, 6, 6), dtype=np.float32)  # (N, 1, 6, 6)
    y = (x.reshape(N, -1).sum(axis=1) > 18).astype(np.int64) + (x[:, 0, 0, 0] > 0.5)  # (N,) 3 classes
    return x, y


def _setup(seed, scheduler_kind):
    """A tiny CNN with dropout (a second random source), its optimizer and scheduler."""
    rng = np.random.default_rng(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3, rng=rng),  # (N, 3, 4, 4)
        nn.ReLU(),
        nn.MaxPool2d(2),  # (N, 3, 2, 2)
        nn.Flatten(),  # (N, 12)
        nn.Dropout(0.25, rng=np.random.default_rng(seed + 1)),
        nn.Linear(12, 3, rng=rng),  # (N, 3)
    )
    if scheduler_kind == "onecycle":
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.2, epochs=EPOCHS, steps_per_epoch=N // BATCH)
    else:
        opt = optim.Adam(model.parameters(), lr=0.01)
        sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    return model, opt, sched


def _fit(model, opt, sched, epochs, **kw):
    return fit(
        model, nn.CrossEntropyLoss(), opt, _data(), epochs=epochs, batch_size=BATCH, val_data=_data(),
        scheduler=sched, rng=kw.pop("rng", np.random.default_rng(7)), progress=False, log=kw.pop("log", None),
        **kw,
    )  # fmt: skip


def _assert_same_run(model_a, hist_a, model_b, hist_b):
    for (name, pa), (_, pb) in zip(model_a.named_parameters(), model_b.named_parameters(), strict=True):
        assert np.array_equal(pa.data, pb.data), name  # bit for bit
    for key in ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr"):
        assert getattr(hist_a, key) == getattr(hist_b, key), key


@pytest.mark.parametrize("scheduler_kind", ["onecycle", "step"])
def test_resume_after_epoch_one_is_bit_for_bit(tmp_path, scheduler_kind):
    straight = _setup(0, scheduler_kind)
    hist_straight = _fit(*straight, EPOCHS)

    first = _setup(0, scheduler_kind)
    _fit(*first, 1, checkpoint_dir=tmp_path)
    # A new process would build everything afresh: different initial weights and a fresh shuffle
    # generator prove that the checkpoint, not luck, restores the state.
    again = _setup(99, scheduler_kind)
    hist_resumed = _fit(*again, EPOCHS, checkpoint_dir=tmp_path, resume=True, rng=np.random.default_rng(5))

    assert not np.array_equal(first[0][0].weight.data, straight[0][0].weight.data)  # epoch 1 differs
    _assert_same_run(straight[0], hist_straight, again[0], hist_resumed)
    assert load_checkpoint(tmp_path / "checkpoint.npz")["progress"]["epochs_done"] == EPOCHS


def test_ctrl_c_mid_epoch_saves_and_resumes_bit_for_bit(tmp_path):
    straight = _setup(0, "onecycle")
    hist_straight = _fit(*straight, EPOCHS)

    calls = {"n": 0}

    class InterruptingLoss(nn.CrossEntropyLoss):
        """Sends a real SIGINT (as Ctrl-C does) during batch 3 of epoch 2."""

        def forward(self, pred, target):
            calls["n"] += 1
            if calls["n"] == N // BATCH + 1 + 3:  # epoch 1's batches, its validation pass, 3 more
                signal.raise_signal(signal.SIGINT)
            return super().forward(pred, target)

    first = _setup(0, "onecycle")
    messages = []
    with pytest.raises(KeyboardInterrupt):
        fit(*first[:1], InterruptingLoss(), first[1], _data(), epochs=EPOCHS, batch_size=BATCH,
            val_data=_data(), scheduler=first[2], rng=np.random.default_rng(7), checkpoint_dir=tmp_path,
            progress=False, log=messages.append)  # fmt: skip
    assert messages[-1].startswith("interrupted at epoch 2, batch 3; checkpoint saved")
    progress = load_checkpoint(tmp_path / "checkpoint.npz")["progress"]
    assert (progress["epochs_done"], progress["batches_done"]) == (1, 3)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored

    again = _setup(99, "onecycle")
    hist_resumed = _fit(*again, EPOCHS, checkpoint_dir=tmp_path, resume=True, rng=np.random.default_rng(5))
    _assert_same_run(straight[0], hist_straight, again[0], hist_resumed)


def test_resume_without_checkpoint_starts_fresh(tmp_path):
    model, opt, sched = _setup(0, "step")
    messages = []
    history = fit(
        model, nn.CrossEntropyLoss(), opt, _data(), epochs=1, batch_size=BATCH, scheduler=sched,
        checkpoint_dir=tmp_path / "new", resume=True, progress=False, log=messages.append,
    )  # fmt: skip
    assert messages[0].startswith("no checkpoint in") and len(history) == 1
    assert (tmp_path / "new" / "checkpoint.npz").is_file()


def test_resume_with_other_batch_size_is_refused(tmp_path):
    _fit(*_setup(0, "step"), 1, checkpoint_dir=tmp_path)
    model, opt, _ = _setup(0, "step")
    with pytest.raises(
        ValueError,
        match=r"fit: expected the data size and batch size of the checkpointed run "
        r"\(N=48, batch_size=8\), got N=48, batch_size=16",
    ):
        fit(model, nn.CrossEntropyLoss(), opt, _data(), epochs=2, batch_size=16, checkpoint_dir=tmp_path,
            resume=True, progress=False, log=None)  # fmt: skip


def test_a_saved_model_is_not_a_checkpoint(tmp_path):
    model, _, _ = _setup(0, "step")
    io.save(model, tmp_path / "model.npz")
    with pytest.raises(ValueError, match="load_checkpoint: expected a training checkpoint"):
        load_checkpoint(tmp_path / "model.npz")


# -- resuming with other settings ---------------------------------------------------------
HINT = r"Hint: resume with the same epochs and schedule as the interrupted run .*a new --out"


def _params(model):
    return {name: p.data.copy() for name, p in model.named_parameters()}


def test_resume_with_more_epochs_and_onecycle_is_refused_before_training(tmp_path):
    model, opt, _ = _setup(0, "onecycle")
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.2, epochs=1, steps_per_epoch=N // BATCH)
    _fit(model, opt, sched, 1, checkpoint_dir=tmp_path)

    model, opt, _ = _setup(99, "onecycle")
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.2, epochs=EPOCHS, steps_per_epoch=N // BATCH)
    before = _params(model)
    with pytest.raises(
        ValueError,
        match=r"fit\(resume=True\): expected the OneCycleLR settings of the checkpointed run "
        r".*checkpoint\.npz \(total_steps=6\), got total_steps=18 "
        r"\(a changed schedule, e.g. another number of epochs\)\. " + HINT,
    ):
        _fit(model, opt, sched, EPOCHS, checkpoint_dir=tmp_path, resume=True)
    # Refused before anything was loaded or trained: the new objects and the checkpoint are as they were.
    assert all(np.array_equal(p, before[k]) for k, p in _params(model).items())
    assert (sched.last_epoch, sched.total_steps) == (0, 18)
    assert load_checkpoint(tmp_path / "checkpoint.npz")["progress"]["epochs_done"] == 1


@pytest.mark.parametrize(
    "first, second, message",
    [
        (dict(T_max=1), dict(T_max=3), r"CosineAnnealingLR settings .* \(T_max=1\), got T_max=3 "),
        (
            dict(T_max=3),
            dict(T_max=3, eta_min=0.001),
            r"CosineAnnealingLR settings .* \(eta_min=0\.0\), got eta_min=0\.001 ",
        ),
    ],
)
def test_resume_with_other_cosine_settings_is_refused(tmp_path, first, second, message):
    model, _, _ = _setup(0, "step")
    opt = optim.SGD(model.parameters(), lr=0.1)
    _fit(model, opt, optim.lr_scheduler.CosineAnnealingLR(opt, **first), 1, checkpoint_dir=tmp_path)
    model, _, _ = _setup(0, "step")
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"fit\(resume=True\): expected the " + message + ".*" + HINT):
        _fit(model, opt, optim.lr_scheduler.CosineAnnealingLR(opt, **second), 3, checkpoint_dir=tmp_path,
             resume=True)  # fmt: skip


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(step_size=2, gamma=0.5), r"\(step_size=1\), got step_size=2"),
        (dict(step_size=1, gamma=0.1), r"\(gamma=0\.5\), got gamma=0\.1"),
    ],
)
def test_resume_with_other_step_settings_is_refused(tmp_path, kw, message):
    _fit(*_setup(0, "step"), 1, checkpoint_dir=tmp_path)  # StepLR(step_size=1, gamma=0.5)
    model, opt, _ = _setup(0, "step")
    sched = optim.lr_scheduler.StepLR(opt, **kw)
    with pytest.raises(ValueError, match=r"fit\(resume=True\): expected the StepLR settings .*" + message):
        _fit(model, opt, sched, 2, checkpoint_dir=tmp_path, resume=True)


def test_resume_with_other_max_lr_is_refused(tmp_path):
    _fit(*_setup(0, "onecycle"), 1, checkpoint_dir=tmp_path)  # max_lr=0.2
    model, opt, _ = _setup(0, "onecycle")
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.3, epochs=EPOCHS, steps_per_epoch=N // BATCH)
    # Only the chosen setting is named, not the rates derived from it (initial_lr, phases, ...).
    with pytest.raises(ValueError, match=r"OneCycleLR settings .* \(max_lr=0\.2\), got max_lr=0\.3 \("):
        _fit(model, opt, sched, EPOCHS, checkpoint_dir=tmp_path, resume=True)


def test_resume_with_a_scheduler_added_or_dropped_is_refused(tmp_path):
    model, opt, _ = _setup(0, "step")
    _fit(model, opt, None, 1, checkpoint_dir=tmp_path / "plain")
    _fit(*_setup(0, "step"), 1, checkpoint_dir=tmp_path / "scheduled")
    model, opt, sched = _setup(0, "step")
    with pytest.raises(
        ValueError, match=r"fit\(resume=True\): expected no scheduler, as in the .*got StepLR"
    ):
        _fit(model, opt, sched, 2, checkpoint_dir=tmp_path / "plain", resume=True)
    with pytest.raises(ValueError, match=r"fit\(resume=True\): expected a scheduler, .*got scheduler=None"):
        _fit(model, opt, None, 2, checkpoint_dir=tmp_path / "scheduled", resume=True)


def test_resume_a_finished_run_with_more_epochs_and_no_scheduler_continues(tmp_path):
    # (StepLR, whose settings do not depend on epochs, is covered by the first test of this file.)
    straight = _setup(0, "step")
    hist_straight = _fit(straight[0], straight[1], None, EPOCHS)

    first = _setup(0, "step")
    _fit(first[0], first[1], None, 1, checkpoint_dir=tmp_path)  # a finished 1-epoch run
    again = _setup(99, "step")
    messages = []
    hist_resumed = _fit(again[0], again[1], None, EPOCHS, checkpoint_dir=tmp_path, resume=True,
                        rng=np.random.default_rng(5), log=messages.append)  # fmt: skip
    assert messages[0] == f"resuming from {tmp_path / 'checkpoint.npz'} at epoch 2"
    assert [m.split()[1] for m in messages[1:]] == ["2/3", "3/3"]
    _assert_same_run(straight[0], hist_straight, again[0], hist_resumed)
    assert load_checkpoint(tmp_path / "checkpoint.npz")["progress"]["epochs_done"] == EPOCHS


def test_onecycle_past_its_end_after_load_state_dict_names_the_cause():
    _, opt, _ = _setup(0, "onecycle")
    old = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.2, total_steps=2)
    old.step()
    new = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.2, total_steps=6)
    assert new.settings_differences(old.state_dict()) == {"total_steps": (2, 6)}
    new.load_state_dict(old.state_dict())  # PyTorch semantics: the saved total_steps wins
    new.step()
    with pytest.raises(
        ValueError,
        match=r"OneCycleLR.step: expected at most total_steps=2 steps, got step 3\. Hint: the cycle is over; "
        r"total_steps is fixed when the scheduler is built \(or restored by load_state_dict",
    ):
        new.step()
