"""io: save_arrays/load_arrays (atomic, verified, never pickle), model save/load, PyTorch interop."""

import json
import zipfile

import numpy as np
import pytest
from tests.conftest import torch_or_skip

from cnn_scratch import io, nn
from cnn_scratch.io import archive


def small_cnn(rng, dtype=np.float32):
    return nn.Sequential(
        nn.Conv2d(1, 3, kernel_size=3, padding=1, rng=rng, dtype=dtype),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(3, 4, kernel_size=(3, 2), stride=(1, 2), rng=rng, dtype=dtype),  # non-square
        nn.Tanh(),
        nn.Flatten(),
        nn.Linear(4 * 2 * 2, 5, rng=rng, dtype=dtype),
    )


@pytest.fixture
def arrays(rng):
    return {
        "w": rng.standard_normal((3, 2, 2, 2)).astype(np.float32),
        "b": np.arange(4, dtype=np.int64),
        "mask": np.array([True, False]),
    }


# -- save_arrays / load_arrays ----------------------------------------------------------------


def test_round_trip_arrays_and_meta(tmp_path, arrays):
    meta = {"epoch": 3, "lr": 0.01, "name": "run α", "nested": {"a": [1, 2, None]}, "ok": True}
    path = io.save_arrays(tmp_path / "a.npz", arrays, meta)
    got, got_meta = io.load_arrays(path)
    assert got_meta == meta
    assert set(got) == set(arrays)
    for k, v in arrays.items():
        assert got[k].dtype == v.dtype and got[k].shape == v.shape
        np.testing.assert_array_equal(got[k], v)
    assert [p.name for p in tmp_path.iterdir()] == ["a.npz"]  # no temporary file left
    # the file is a plain .npz anyone can open without pickle
    with np.load(path, allow_pickle=False) as npz:
        doc = json.loads(npz["__meta__"].tobytes())
    assert doc["format"] == "cnn-scratch-arrays" and doc["version"] == 1
    assert doc["sha256"] == archive.digest_arrays(arrays) and len(doc["sha256"]) == 64


def test_empty_arrays_and_default_meta(tmp_path):
    io.save_arrays(tmp_path / "e.npz", {})
    assert io.load_arrays(tmp_path / "e.npz") == ({}, {})


def test_truncated_file(tmp_path, arrays):
    path = io.save_arrays(tmp_path / "t.npz", arrays, {})
    data = path.read_bytes()
    for cut in (len(data) - 1, len(data) // 2, 10, 3, 0):
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=r"load_arrays: expected a cnn-scratch array file .*t\.npz"):
            io.load_arrays(path)


def test_flipped_data_byte_is_detected(tmp_path, arrays):
    path = io.save_arrays(tmp_path / "f.npz", arrays, {})
    data = bytearray(path.read_bytes())
    at = bytes(data).index(arrays["w"].tobytes()) + 5  # inside the weight's values
    data[at] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"f\.npz.*CRC-32 mismatch in entry 'w\.npy'"):
        io.load_arrays(path)


def test_every_single_byte_flip_is_an_error_or_harmless(tmp_path, rng):
    """Flip each byte of a small file: loading either fails with a clear ValueError or returns
    exactly what was saved (a flip in an unchecked zip field such as a timestamp)."""
    arrays = {"w": rng.standard_normal((2, 3)).astype(np.float32)}
    meta = {"k": 1}
    path = io.save_arrays(tmp_path / "x.npz", arrays, meta)
    data = path.read_bytes()
    detected = 0
    for i in range(len(data)):
        flipped = bytearray(data)
        flipped[i] ^= 0x10
        path.write_bytes(bytes(flipped))
        try:
            got, got_meta = io.load_arrays(path)
        except ValueError as err:
            assert "x.npz" in str(err) and str(err).startswith("load_arrays: expected")
            detected += 1
        else:
            assert got_meta == meta and got.keys() == arrays.keys()
            np.testing.assert_array_equal(got["w"], arrays["w"])
    assert detected > len(data) // 2


def test_tampered_values_with_valid_zip_fail_the_digest(tmp_path, arrays):
    """Rewrite an entry with a correct CRC (deliberate edit): the SHA-256 catches it."""
    path = io.save_arrays(tmp_path / "d.npz", arrays, {})
    with np.load(path, allow_pickle=False) as npz:
        entries = {k: npz[k] for k in npz.files}
    entries["w"] = entries["w"] + 1
    np.savez(path, **entries)
    with pytest.raises(
        ValueError, match=r"array content with SHA-256 [0-9a-f]{64}, not the recorded '[0-9a-f]{64}'"
    ):
        io.load_arrays(path)
    entries["extra"] = np.zeros(2)
    np.savez(path, **entries)
    with pytest.raises(ValueError, match=r"entries \['b', 'extra', 'mask', 'w'\] while the metadata lists"):
        io.load_arrays(path)


def test_wrong_format_or_version(tmp_path, arrays):
    plain = tmp_path / "plain.npz"
    np.savez(plain, w=arrays["w"])
    with pytest.raises(ValueError, match=r"no __meta__ entry.*not written by cnn_scratch\.io\.save_arrays"):
        io.load_arrays(plain)
    for doc, pattern in [
        ({"format": "other", "version": 1}, r"format 'other'"),
        ({"format": "cnn-scratch-arrays", "version": 99}, r"version 99.*newer cnn-scratch"),
    ]:
        meta = np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8)
        np.savez(plain, __meta__=meta)
        with pytest.raises(ValueError, match=pattern):
            io.load_arrays(plain)
    np.savez(plain, __meta__=np.frombuffer(b"{not json", dtype=np.uint8))
    with pytest.raises(ValueError, match=r"unreadable metadata entry \(JSONDecodeError"):
        io.load_arrays(plain)
    text = tmp_path / "model.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match=r"bytes 68 65 6c 6c instead of a zip header"):
        io.load_arrays(text)
    with pytest.raises(FileNotFoundError, match="no such file"):
        io.load_arrays(tmp_path / "missing.npz")


def test_object_array_is_never_unpickled(tmp_path, arrays):
    path = tmp_path / "evil.npz"
    io.save_arrays(path, arrays, {})
    with zipfile.ZipFile(path, "a") as zf, zf.open("payload.npy", "w") as f:
        np.lib.format.write_array(f, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"evil\.npz.*pickled Python objects.*never loaded"):
        io.load_arrays(path)


def test_save_refuses_objects_and_non_json_meta(tmp_path):
    with pytest.raises(TypeError, match=r"numeric or bool arrays.*'o' with dtype object"):
        io.save_arrays(tmp_path / "o.npz", {"o": np.array([None, 1], dtype=object)})
    with pytest.raises(TypeError, match=r"meta made of JSON types"):
        io.save_arrays(tmp_path / "o.npz", {}, {"x": np.zeros(2)})
    with pytest.raises(TypeError, match=r"other than '__meta__'"):
        io.save_arrays(tmp_path / "o.npz", {"__meta__": np.zeros(2)})
    assert list(tmp_path.iterdir()) == []


def test_failing_save_leaves_old_file_intact(tmp_path, arrays, monkeypatch):
    path = io.save_arrays(tmp_path / "keep.npz", arrays, {"v": 1})
    before = path.read_bytes()

    def write_half_then_fail(f, entries):
        f.write(b"PK\x03\x04 partial")
        raise OSError("disk full")

    monkeypatch.setattr(archive, "_write_npz", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        io.save_arrays(path, {"new": np.zeros(3)}, {"v": 2})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.npz"]  # the temporary file was removed
    assert io.load_arrays(path)[1] == {"v": 1}


# -- model save / load -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_model_round_trip_gives_identical_outputs(tmp_path, rng, dtype):
    model = small_cnn(rng, dtype)
    x = rng.standard_normal((2, 1, 8, 8)).astype(dtype)  # (N, C_in, H, W)
    path = io.save(model, tmp_path / "m.npz")
    loaded = io.load(path)
    assert repr(loaded) == repr(model)
    assert [p.dtype for p in loaded.parameters()] == [np.dtype(dtype)] * 6
    np.testing.assert_array_equal(loaded(x), model(x))
    _, meta = io.load_arrays(path)
    arch = meta["architecture"]
    assert arch["type"] == "Sequential" and [c["type"] for c in arch["children"]] == [
        "Conv2d", "ReLU", "MaxPool2d", "Conv2d", "Tanh", "Flatten", "Linear"
    ]  # fmt: skip
    assert arch["children"][3]["config"]["kernel_size"] == [3, 2]


def test_load_refuses_unknown_types_and_mismatched_parameters(tmp_path, rng):
    model = nn.Sequential(nn.Linear(3, 2, rng=rng))
    path = io.save(model, tmp_path / "m.npz")
    arrays, meta = io.load_arrays(path)
    meta["architecture"]["children"][0]["type"] = "os.system"
    io.save_arrays(path, arrays, meta)
    with pytest.raises(
        ValueError, match=r"allow-list .*Conv2d.* at model\.children\[0\], got type 'os\.system'"
    ):
        io.load(path)
    meta["architecture"]["children"][0]["type"] = "Module"  # the base class is not a layer
    io.save_arrays(path, arrays, meta)
    with pytest.raises(ValueError, match=r"got type 'Module'"):
        io.load(path)
    meta["architecture"]["children"][0] = {"type": "Linear", "config": {"in_features": 4, "out_features": 2}}
    io.save_arrays(path, arrays, meta)
    with pytest.raises(ValueError, match=r"m\.npz: the parameters do not fit.*'0\.weight' of shape \(2, 4\)"):
        io.load(path)
    meta["architecture"]["children"][0] = {"type": "Linear", "config": {"in_features": 3, "colour": "red"}}
    io.save_arrays(path, arrays, meta)
    with pytest.raises(ValueError, match=r"valid configuration for Linear at model\.children\[0\]"):
        io.load(path)
    arrays["0.bias"] = np.zeros(5, np.float32)
    meta["architecture"]["children"][0] = {"type": "Linear", "config": {"in_features": 3, "out_features": 2}}
    io.save_arrays(path, arrays, meta)
    with pytest.raises(ValueError, match=r"'0\.bias' of shape \(2,\)"):
        io.load(path)


def test_load_of_non_model_file_and_save_of_custom_module(tmp_path):
    io.save_arrays(tmp_path / "ckpt.npz", {"a": np.zeros(1)}, {"checkpoint": {}})
    with pytest.raises(ValueError, match=r"model file written by cnn_scratch\.io\.save.*io\.load_arrays"):
        io.load(tmp_path / "ckpt.npz")

    class MyNet(nn.Module):
        pass

    with pytest.raises(TypeError, match=r"layers from cnn_scratch\.nn.*MyNet"):
        io.save(nn.Sequential(MyNet()), tmp_path / "custom.npz")
    assert not (tmp_path / "custom.npz").exists()


# -- PyTorch interop ---------------------------------------------------------------------------


def torch_twin(torch):
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, kernel_size=3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(3, 4, kernel_size=(3, 2), stride=(1, 2)),
        torch.nn.Tanh(),
        torch.nn.Flatten(),
        torch.nn.Linear(16, 5),
    )


def test_export_to_torch_gives_same_logits(rng):
    torch = torch_or_skip()
    model = small_cnn(rng, np.float64)
    x = rng.standard_normal((3, 1, 8, 8))  # (N, C_in, H, W) float64
    twin = torch_twin(torch).double()
    twin.load_state_dict(io.to_torch_state_dict(model))
    with torch.no_grad():
        np.testing.assert_allclose(twin(torch.from_numpy(x)).numpy(), model(x), rtol=1e-12, atol=1e-12)
    built = io.to_torch_module(model)
    assert isinstance(built, torch.nn.Sequential) and isinstance(built[3], torch.nn.Conv2d)
    assert built[3].kernel_size == (3, 2) and built[3].stride == (1, 2)
    with torch.no_grad():
        np.testing.assert_allclose(built(torch.from_numpy(x)).numpy(), model(x), rtol=1e-12, atol=1e-12)


def test_import_from_torch_gives_same_logits(rng):
    torch = torch_or_skip()
    torch.manual_seed(0)
    twin = torch_twin(torch)  # float32, torch's own init
    model = io.from_torch_state_dict(small_cnn(rng, np.float32), twin.state_dict())
    x = rng.standard_normal((3, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        expected = twin(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(x), expected, rtol=1e-5, atol=1e-5)
    bad = dict(twin.state_dict())
    bad["6.weight"] = torch.zeros(5, 17)
    with pytest.raises(ValueError, match=r"'6\.weight' of shape \(5, 16\)"):
        io.from_torch_state_dict(model, bad)


def test_saved_file_is_readable_by_others_like_any_file(tmp_path):
    import stat

    path = io.save_arrays(tmp_path / "a.npz", {"w": np.zeros(3, np.float32)}, {})
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_load_refuses_parameters_that_are_not_float(tmp_path, rng):
    path = io.save(nn.Sequential(nn.Linear(3, 2, rng=rng)), tmp_path / "m.npz")
    arrays, meta = io.load_arrays(path)
    arrays["0.weight"] = arrays["0.weight"].astype(np.complex128)
    arrays["0.bias"] = arrays["0.bias"].astype(np.int64)
    io.save_arrays(path, arrays, meta)
    with pytest.raises(
        ValueError, match=r"io\.load: expected parameters of dtype float32 or float64.*complex128"
    ):
        io.load(path)


def test_zip_entry_that_is_not_an_array_is_a_clear_error(tmp_path, arrays):
    path = io.save_arrays(tmp_path / "a.npz", arrays, {})
    with zipfile.ZipFile(path) as z:
        entries = {name: z.read(name) for name in z.namelist()}
    meta_name = archive.META_KEY + ".npy"
    doc = json.loads(np.load(path)[archive.META_KEY].tobytes())
    doc["arrays"]["evil"] = {"dtype": "|u1", "shape": [5]}
    with open(tmp_path / "meta.npy", "wb") as f:
        np.save(f, np.frombuffer(json.dumps(doc).encode(), np.uint8))
    entries[meta_name] = (tmp_path / "meta.npy").read_bytes()
    entries["evil"] = b"hello"  # not a .npy file
    with zipfile.ZipFile(tmp_path / "bad.npz", "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    with pytest.raises(ValueError, match=r"bad\.npz.*'evil' is not a \.npy array"):
        io.load_arrays(tmp_path / "bad.npz")


def test_module_to_refuses_non_float_dtypes():
    with pytest.raises(
        TypeError, match=r"Sequential\.to: expected dtype float32 or float64, got dtype=float16"
    ):
        nn.Sequential(nn.Linear(2, 3)).to(np.float16)
