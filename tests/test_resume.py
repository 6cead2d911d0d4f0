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
        scheduler=sched, rng=kw.pop("rng", np.random.default_rng(7)), progress=False, log=None, **kw,
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
