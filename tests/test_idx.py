"""IDX parsing: good files (raw and gzip) and every kind of bad file, with clear errors."""

import gzip
import hashlib

import numpy as np
import pytest

from cnn_scratch.data.idx import encode_idx, parse_idx, read_bytes, read_idx


def header(dtype_byte, dims):
    return bytes([0, 0, dtype_byte, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)


@pytest.fixture
def images(rng):
    return rng.integers(0, 256, size=(3, 4, 5), dtype=np.uint8)  # (N, H, W), H != W


@pytest.fixture
def labels():
    return np.array([7, 0, 9], dtype=np.uint8)


def write(tmp_path, name, data, compress):
    path = tmp_path / (name + (".gz" if compress else ""))
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def test_encode_matches_the_format_by_hand():
    # magic 2051 = 0x00000803, dims 1, 2, 2 as big-endian uint32, then the 4 pixels
    data = encode_idx(np.array([[[1, 2], [3, 4]]], dtype=np.uint8))
    assert data == bytes([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4])
    assert int.from_bytes(data[:4], "big") == 2051


@pytest.mark.parametrize("compress", [False, True])
def test_good_files_round_trip(tmp_path, images, labels, compress):
    ip = write(tmp_path, "imgs", encode_idx(images), compress)
    lp = write(tmp_path, "lbls", encode_idx(labels), compress)
    got = read_idx(ip, kind="images")
    assert got.dtype == np.uint8 and got.shape == (3, 4, 5)
    np.testing.assert_array_equal(got, images)
    np.testing.assert_array_equal(read_idx(lp, kind="labels"), labels)
    np.testing.assert_array_equal(read_idx(lp), labels)  # kind=None accepts any ubyte IDX


def test_gzip_is_detected_by_magic_bytes_not_name(tmp_path, labels):
    path = tmp_path / "labels.raw"  # gzip content with a misleading name
    path.write_bytes(gzip.compress(encode_idx(labels)))
    np.testing.assert_array_equal(read_idx(path, kind="labels"), labels)
    plain = tmp_path / "labels.gz"  # raw content named .gz
    plain.write_bytes(encode_idx(labels))
    np.testing.assert_array_equal(read_idx(plain, kind="labels"), labels)


def test_checksum_of_decompressed_content(tmp_path, labels):
    data = encode_idx(labels)
    path = write(tmp_path, "l", data, True)
    good = hashlib.sha256(data).hexdigest()
    np.testing.assert_array_equal(read_idx(path, "labels", sha256=good), labels)
    bad = "0" * 64
    with pytest.raises(
        ValueError, match=rf"l\.gz to have SHA-256 {bad}, got SHA-256 {good}\. Hint: .*download it"
    ):
        read_idx(path, "labels", sha256=bad)


@pytest.mark.parametrize(
    ("data", "kind", "pattern"),
    [
        (b"\x12\x34" + bytes(10), None, r"first two bytes 00 00.*12 34"),
        (b"<htm" + b"l>404</html>", "labels", r"first two bytes 00 00.*3c 68 74 6d.*not an IDX file"),
        (b"\x00\x00", None, r"IDX header \(at least 4 bytes\).*got 2 bytes"),
        (header(0x0D, [3]) + bytes(12), "labels", r"data type byte 0x08.*0x0D \(float32\)"),
        (
            header(0x08, [2, 2, 2]) + bytes(8),
            "labels",
            r"expected labels.*magic 2049.*an images file \(magic 2051\)",
        ),
        (
            header(0x08, [4]) + bytes(4),
            "images",
            r"expected images.*magic 2051.*a labels file \(magic 2049\).*swapped",
        ),
        (header(0x08, [5]) + bytes(3), "labels", r"expected 13 bytes.*got 11 bytes: the file is truncated"),
        (header(0x08, [2, 2, 2])[:10], "images", r"16-byte header for 3 dimensions.*got 10 bytes"),
        (
            header(0x08, [2]) + bytes(5),
            "labels",
            r"expected 10 bytes.*got 13 bytes: the file is followed by extra",
        ),
    ],
    ids=[
        "bad-magic",
        "html",
        "short",
        "dtype",
        "images-as-labels",
        "labels-as-images",
        "truncated",
        "truncated-header",
        "extra-bytes",
    ],
)
@pytest.mark.parametrize("compress", [False, True])
def test_bad_files_name_the_file_and_the_problem(tmp_path, data, kind, pattern, compress):
    path = write(tmp_path, "bad-file", data, compress)
    with pytest.raises(ValueError, match=pattern) as info:
        read_idx(path, kind=kind)
    assert "bad-file" in str(info.value) and str(info.value).startswith("read_idx: expected")


def test_corrupt_and_truncated_gzip(tmp_path, images):
    gz = gzip.compress(encode_idx(images))
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gz[: len(gz) // 2])
    with pytest.raises(ValueError, match=r"valid gzip stream in .*cut\.gz.*corrupt or truncated gzip"):
        read_bytes(cut)
    flipped = bytearray(gz)
    flipped[len(gz) // 2] ^= 0xFF
    bad = tmp_path / "flip.gz"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match=r"flip\.gz"):
        read_idx(bad, kind="images")


def test_parse_returns_view_without_copy(images):
    data = encode_idx(images)
    arr = parse_idx(data, kind="images")
    assert not arr.flags.writeable  # a view on the bytes, documented as read-only


def test_bad_kind_and_encode_dtype():
    with pytest.raises(TypeError, match="kind"):
        parse_idx(b"", kind="pixels")
    with pytest.raises(TypeError, match="uint8"):
        encode_idx(np.zeros(3))
