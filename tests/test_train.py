"""fit / evaluate / predict / History / checkpoint encoding: behaviour that could break."""

import contextlib
import os
from pathlib import Path

import numpy as np
import pytest

from cnn_scratch import nn, optim
from cnn_scratch.data import load_mnist
from cnn_scratch.models import mnist_cnn
from cnn_scratch.train import History, evaluate, fit, predict
from cnn_scratch.train.checkpoint import decode_state, encode_state
from cnn_scratch.train.metrics import confusion_matrix

ROOT = Path(__file__).resolve().parents[1]
DATA = os.environ.get("CNN_SCRATCH_DATA") or str(ROOT.parent / "shared" / "data" / "mnist")


def _blobs(rng, n=60, classes=3, dim=4):
    """Separable synthetic classes: class c is centred at 3*e_c."""
    y = np.arange(n, dtype=np.int64) % classes  # (N,)
    x = rng.normal(size=(n, dim)).astype(np.float32) * 0.5  # (N, dim)
    x[np.arange(n), y] += 3.0
    return x, y


@pytest.fixture(scope="module")
def trained_mnist():
    """Model A trained on the first 2,000 training images (shared by the MNIST tests)."""
    x, y = load_mnist("train", DATA, limit=2000)
    x_test, y_test = load_mnist("test", DATA, limit=1000)
    model = mnist_cnn(np.random.default_rng(0))
    opt = optim.Adam(model.parameters(), lr=2e-3)
    with _one_blas_thread():  # small matrices: one thread is faster, and fair to parallel jobs
        history = fit(
            model, nn.CrossEntropyLoss(), opt, (x, y), epochs=4, batch_size=50,
            rng=np.random.default_rng(1), progress=False, log=None,
        )  # fmt: skip
    return model, history, (x_test, y_test)


def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it the run just uses every core
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def test_short_mnist_run_beats_90_percent(trained_mnist):
    model, history, test = trained_mnist
    result = evaluate(model, test)
    assert result["accuracy"] > 0.90, result["accuracy"]
    assert len(history) == 4
    assert history.train_loss[-1] < history.train_loss[0]  # learning happened
    assert all(r["images_per_s"] > 0 and r["seconds"] > 0 for r in history)


def test_evaluate_confusion_matrix_sums(trained_mnist):
    model, _, (x, y) = trained_mnist
    result = evaluate(model, (x, y), batch_size=300)  # 300 does not divide 1000: a short last batch
    conf = result["confusion"]
    assert conf.shape == (10, 10) and conf.dtype == np.int64
    assert conf.sum() == 1000
    np.testing.assert_array_equal(conf.sum(axis=1), np.bincount(y, minlength=10))  # rows = true classes
    assert np.trace(conf) / 1000 == pytest.approx(result["accuracy"])
    # The loss is the mean over all 1000 images whatever the batch size.
    assert evaluate(model, (x, y), batch_size=1000)["loss"] == pytest.approx(result["loss"], rel=1e-5)


def test_predict_probabilities(trained_mnist):
    model, _, (x, y) = trained_mnist
    classes, probs = predict(model, x[:37], batch_size=16)
    assert probs.shape == (37, 10) and classes.shape == (37,) and classes.dtype == np.int64
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert np.all(probs >= 0)
    np.testing.assert_array_equal(classes, np.argmax(model(x[:37]), axis=1))
    acc = evaluate(model, (x[:37], y[:37]))["accuracy"]
    assert np.mean(classes == y[:37]) == pytest.approx(acc)


def test_fit_learns_blobs_with_validation_and_scheduler(rng):
    x, y = _blobs(rng)
    model = nn.Sequential(nn.Linear(4, 3, rng=rng))
    opt = optim.SGD(model.parameters(), lr=0.5)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    lines = []
    history = fit(
        model, nn.CrossEntropyLoss(), opt, (x, y), epochs=3, batch_size=16, val_data=(x, y),
        scheduler=sched, rng=rng, progress=False, log=lines.append,
    )  # fmt: skip
    assert history.val_acc[-1] == 1.0
    assert history.lr == [0.5, 0.25, 0.125]  # lr used in each epoch; StepLR steps once per epoch
    assert len(lines) == 3 and lines[0].startswith("epoch 1/3")


def test_onecycle_steps_every_batch(rng):
    x, y = _blobs(rng, n=40)
    model = nn.Sequential(nn.Linear(4, 3, rng=rng))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, epochs=2, steps_per_epoch=4)
    fit(model, nn.CrossEntropyLoss(), opt, (x, y), epochs=2, batch_size=10, scheduler=sched,
        rng=rng, progress=False, log=None)  # fmt: skip
    assert sched.last_epoch == 8  # 2 epochs x 4 batches (an epoch-wise schedule would be at 2)


def test_regression_targets_have_no_accuracy(rng):
    x = rng.normal(size=(32, 2)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0]], np.float32)).astype(np.float32)  # (32, 1)
    model = nn.Sequential(nn.Linear(2, 1, rng=rng))
    history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), (x, y), epochs=5,
                  batch_size=8, rng=rng, progress=False, log=None)  # fmt: skip
    assert history.train_acc == [None] * 5
    assert history.train_loss[-1] < history.train_loss[0] / 10


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # the divergence is the point
def test_nan_loss_stops_with_epoch_and_batch_and_keeps_checkpoint(tmp_path, rng):
    x = rng.normal(size=(64, 4)).astype(np.float32) * 10  # (64, 4)
    y = rng.normal(size=(64, 1)).astype(np.float32)
    model = nn.Sequential(nn.Linear(4, 1, rng=rng))
    common = dict(epochs=3, batch_size=4, checkpoint_dir=tmp_path, progress=False, log=None)
    fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e-3), (x, y), rng=rng, **common)
    ckpt_file = tmp_path / "checkpoint.npz"
    before = ckpt_file.read_bytes()
    with pytest.raises(
        FloatingPointError,
        match=r"fit: expected a finite loss, got loss=(nan|inf) at epoch 1, "
        r"batch \d+ of 16\..*last good checkpoint .*checkpoint.npz is untouched",
    ):
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e12), (x, y), rng=rng, **common)
    assert ckpt_file.read_bytes() == before


def test_fit_argument_errors(rng):
    x, y = _blobs(rng)
    model = nn.Sequential(nn.Linear(4, 3, rng=rng))
    opt = optim.SGD(model.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss()
    with pytest.raises(
        ValueError,
        match=r"fit: expected train_data x and y with the same .* got x of shape "
        r"\(60, 4\) and y of shape \(59,\)",
    ):
        fit(model, loss, opt, (x, y[:-1]), epochs=1, batch_size=8, progress=False)
    with pytest.raises(ValueError, match="fit: expected a checkpoint_dir to resume from"):
        fit(model, loss, opt, (x, y), epochs=1, batch_size=8, resume=True, progress=False)
    with pytest.raises(ValueError, match="epochs >= 1"):
        fit(model, loss, opt, (x, y), epochs=0, batch_size=8, progress=False)


def test_fit_restores_first_layer_input_grad_flag(rng):
    model = nn.Sequential(nn.Conv2d(1, 2, 3, rng=rng), nn.Flatten(), nn.Linear(8, 2, rng=rng))
    x = rng.random((8, 1, 4, 4), dtype=np.float32)
    y = np.arange(8, dtype=np.int64) % 2
    assert model[0].needs_input_grad is True
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (x, y), epochs=1,
        batch_size=4, rng=rng, progress=False, log=None)  # fmt: skip
    assert model[0].needs_input_grad is True


def test_history_json_csv_round_trip(tmp_path):
    h = History()
    h.append(epoch=1, train_loss=0.1 + 0.2, train_acc=1 / 3, val_loss=None, val_acc=None,
             seconds=1.5, images_per_s=1234.5678, lr=np.float64(1e-3))  # fmt: skip
    h.append(epoch=2, train_loss=float("nan"), train_acc=0.5, val_loss=2.0**-30, val_acc=0.25,
             seconds=3.0, images_per_s=1e6 / 3, lr=0.1)  # fmt: skip
    h.to_json(tmp_path / "h.json")
    h.to_csv(tmp_path / "h.csv")
    assert History.from_json(tmp_path / "h.json") == h  # exact floats, None kept
    assert History.from_csv(tmp_path / "h.csv") == h
    assert h.train_loss == [0.1 + 0.2, None]  # NaN stored as missing
    assert (tmp_path / "h.csv").read_text().splitlines()[0] == (
        "epoch,train_loss,train_acc,val_loss,val_acc,seconds,images_per_s,lr"
    )
    with pytest.raises(ValueError, match="unknown keys"):
        h.append(epoch=3, accuracy=0.5)


def test_confusion_matrix_by_hand():
    conf = confusion_matrix(np.array([2, 0, 2, 1]), np.array([2, 0, 1, 1]), 3)
    np.testing.assert_array_equal(conf, [[1, 0, 0], [0, 1, 0], [0, 1, 1]])
    with pytest.raises(ValueError, match=r"y_pred in \[0, 3\)"):
        confusion_matrix(np.array([0]), np.array([3]), 3)


def test_state_encoding_round_trip_keeps_types():
    state = {
        "state": {0: {"step": np.int64(3), "exp_avg": np.arange(4.0, dtype=np.float32)}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False}],
        "name": None,
    }
    arrays = {}
    enc = encode_state(state, "optimizer", arrays)
    import json

    back = decode_state(json.loads(json.dumps(enc)), arrays)  # JSON turns int keys to str: we must not
    assert list(back["state"]) == [0]
    assert type(back["state"][0]["step"]) is np.int64 and back["state"][0]["step"] == 3
    assert back["state"][0]["exp_avg"].dtype == np.float32
    assert back["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["param_groups"][0]["params"] == [0, 1] and back["name"] is None
    with pytest.raises(TypeError, match="save_checkpoint: expected a state made of dicts"):
        encode_state({"x": object()}, "o", {})
