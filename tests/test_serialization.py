"""Checkpoints: round trips through save/load, and refusal of anything untrustworthy."""
import json
import os
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import minigrad
from minigrad import serialization
from minigrad.serialization import CheckpointError, load, save


def same(a, b):
    """Same values (bit for bit), dtypes, shapes and types, recursively."""
    if isinstance(a, minigrad.Tensor):  # a Parameter comes back as a plain Tensor
        assert type(b) is minigrad.Tensor
    elif isinstance(a, dict):  # an OrderedDict comes back as a dict, in the same order
        assert type(b) is dict
    else:
        assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, minigrad.Tensor):
        a, b = a.numpy(), b.numpy()
    if isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes()  # bit-exact, NaNs included
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    else:
        assert a == b or (a != a and b != b)


@pytest.fixture
def ckpt(tmp_path):
    return tmp_path / "ckpt.npz"


# ------------------------------------------------------------------- round trips
def test_module_state_dict_round_trip(ckpt):
    model = minigrad.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    sd = model.state_dict()
    save(sd, ckpt)
    back = load(ckpt)
    assert list(back) == list(sd) and "bias_hh_l1_reverse" in back
    for name, value in back.items():
        assert type(value) is minigrad.Tensor and not value.requires_grad
        same(sd[name], value)
    fresh = minigrad.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    fresh.load_state_dict(back)
    x = minigrad.randn(5, 2, 3)
    np.testing.assert_array_equal(fresh(x)[0].detach().numpy(), model(x)[0].detach().numpy())


def test_real_optimizer_state_round_trip(ckpt):
    model = minigrad.nn.GRU(2, 3)
    opt = minigrad.optim.Adam(model.parameters(), lr=0.01)
    model(minigrad.randn(4, 1, 2))[0].sum().backward()
    opt.step()
    original = {"model": model.state_dict(), "optimizer": opt.state_dict(), "step": 100}
    save(original, ckpt)
    back = load(ckpt)
    same(original, back)
    assert set(back["optimizer"]["state"]) == {0, 1, 2, 3}  # int keys stay ints
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    other = minigrad.optim.Adam(minigrad.nn.GRU(2, 3).parameters(), lr=0.5)
    other.load_state_dict(back["optimizer"])
    assert other.param_groups[0]["lr"] == 0.01


def test_nested_structure_round_trip(ckpt):
    original = {
        "model": OrderedDict(w=minigrad.randn(2, 3), b=minigrad.zeros(3)),
        "optimizer": {"state": {0: {"step": 3, "exp_avg": minigrad.randn(2, 3)}, 7: {}},
                      "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1],
                                        "nesterov": False, "name": None}]},
        "step": 100, "loss": float("nan"), "big": 2 ** 70, "note": "héllo \"quoted\" ✓",
        "nested": [(), [], {}, ((1, 2), [3, (4,)])],
        "raw": np.arange(6, dtype=np.int64).reshape(2, 3),
        "np_scalars": [np.float32(1.5), np.int64(-3), np.bool_(True), np.float64(0.1)],
    }
    save(original, ckpt)
    back = load(ckpt)
    same(original, back)
    assert type(back["model"]) is dict and type(back["raw"]) is np.ndarray
    assert type(back["optimizer"]["param_groups"][0]["betas"]) is tuple
    assert type(back["nested"][3][1]) is list and type(back["nested"][3][1][1]) is tuple
    assert type(back["np_scalars"][0]) is np.float32 and type(back["np_scalars"][3]) is np.float64


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32", "int64", "bool",
                                   "uint8", "complex64"])
@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (5,), (2, 3, 4)])
def test_dtypes_and_shapes_are_exact(ckpt, rng, dtype, shape):
    values = (rng.standard_normal(shape) * 100).astype(dtype)
    save({"t": minigrad.Tensor(values), "a": values}, ckpt)
    back = load(ckpt)
    for got in (back["t"].numpy(), back["a"]):
        assert got.dtype == np.dtype(dtype) and got.shape == shape
        assert got.tobytes() == values.tobytes()
    assert back["t"].ndim == len(shape)


def test_float64_is_bit_exact(ckpt, rng):
    special = np.array([np.pi, -0.0, 5e-324, np.finfo(np.float64).max, np.inf, -np.inf, np.nan])
    values = np.concatenate([rng.standard_normal(1000), special])
    save({"x": minigrad.tensor(values, dtype=minigrad.float64), "py": [float(v) for v in special]},
         ckpt)
    back = load(ckpt)
    assert back["x"].dtype == np.float64
    assert back["x"].numpy().view(np.uint64).tolist() == values.view(np.uint64).tolist()
    assert np.array(back["py"]).view(np.uint64).tolist() == special.view(np.uint64).tolist()


def test_saving_non_contiguous_and_grad_tensors(ckpt):
    w = minigrad.randn(4, 6, requires_grad=True)
    view = np.arange(24.0).reshape(4, 6)[:, ::2].T
    save({"w": w, "view": view}, ckpt)
    back = load(ckpt)
    np.testing.assert_array_equal(back["w"].numpy(), w.detach().numpy())
    np.testing.assert_array_equal(back["view"], view)


def test_written_at_exactly_the_given_path(tmp_path):
    target = tmp_path / "weights.ckpt"
    save({"w": minigrad.ones(2)}, target)
    save({"w": minigrad.ones(2)}, str(tmp_path / "plain"))
    assert sorted(os.listdir(tmp_path)) == ["plain", "weights.ckpt"]
    assert zipfile.is_zipfile(target)
    same(load(str(target)), {"w": minigrad.ones(2)})


def test_file_is_a_plain_npz_with_a_json_header(ckpt):
    save({"w": minigrad.ones(2, 3), "step": 7}, ckpt)
    with np.load(ckpt, allow_pickle=False) as npz:
        header = json.loads(npz["minigrad_header"].item())
        assert npz["a0"].shape == (2, 3)
    assert header["format"] == "minigrad-checkpoint" and header["version"] == 1
    assert header["root"] == {"dict": [["w", {"tensor": "a0"}], ["step", 7]]}


def test_overwrite_replaces_the_old_checkpoint(ckpt):
    save({"v": 1}, ckpt)
    save({"v": 2}, ckpt)
    assert load(ckpt) == {"v": 2}
    assert os.listdir(ckpt.parent) == ["ckpt.npz"]


@pytest.mark.gpu
def test_map_location(ckpt):
    save({"t": minigrad.randn(3).to("cuda"), "a": np.arange(3)}, ckpt)
    on_cpu = load(ckpt)
    assert on_cpu["t"].device == "cpu" and isinstance(on_cpu["a"], np.ndarray)
    on_gpu = load(ckpt, map_location="cuda")
    assert on_gpu["t"].device == "cuda:0"
    np.testing.assert_array_equal(on_gpu["t"].cpu().numpy(), on_cpu["t"].numpy())


def test_map_location_cpu_and_bad_device(ckpt):
    save({"t": minigrad.ones(1)}, ckpt)
    assert load(ckpt, map_location="cpu")["t"].device == "cpu"
    with pytest.raises(ValueError, match="unknown device"):
        load(ckpt, map_location="tpu")


# ------------------------------------------------------------------- refusals
def refused(path, *fragments):
    with pytest.raises(CheckpointError) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def rewrite(path, header=None, drop=(), **members):
    """Copy the raw members of a real checkpoint, changing some, and write them back."""
    with np.load(path, allow_pickle=False) as npz:
        raw = {name: npz[name] for name in npz.files if name not in drop}
    if header is not None:
        raw["minigrad_header"] = np.array(header)
    raw.update(members)
    with open(path, "wb") as file:
        np.savez(file, **raw)


@pytest.fixture
def real(ckpt):
    save({"model": {"w": minigrad.randn(50, 50)},
          "optimizer": {"state": {0: {"m": minigrad.randn(3)}}}}, ckpt)
    return ckpt


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint file") as info:
        load(tmp_path / "nope.npz")
    assert "nope.npz" in str(info.value)


def test_truncated_file(real):
    data = real.read_bytes()
    real.write_bytes(data[:len(data) // 2])
    refused(real, "truncated or corrupt")


def test_truncated_to_a_few_bytes_and_empty(real):
    data = real.read_bytes()
    real.write_bytes(data[:3])
    refused(real, "not an .npz")
    real.write_bytes(b"")
    refused(real, "empty")


def test_random_bytes(ckpt, rng):
    ckpt.write_bytes(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    refused(ckpt, "not an .npz (zip) archive")


def test_pickle_file_is_refused_not_unpickled(ckpt):
    import pickle
    ckpt.write_bytes(pickle.dumps({"w": [1, 2, 3]}))
    refused(ckpt, "not an .npz")


def test_npy_file(ckpt):
    with open(ckpt, "wb") as file:
        np.save(file, np.ones(3))
    refused(ckpt, ".npy array")


def test_foreign_npz(ckpt):
    with open(ckpt, "wb") as file:
        np.savez(file, weight=np.ones(3), bias=np.zeros(3))
    refused(ckpt, "not written by minigrad", "weight")


def test_header_with_bad_json(real):
    rewrite(real, header='{"format": "minigrad-checkpoint", "version": ')
    refused(real, "not valid JSON")


def test_header_not_a_string(real):
    rewrite(real, minigrad_header=np.arange(3))
    refused(real, "header is not a JSON string")


@pytest.mark.parametrize("header, fragment", [
    ({"format": "something-else", "version": 1, "root": {"dict": []}}, "does not describe"),
    ({"version": 1, "root": {"dict": []}}, "does not describe"),
    ([1, 2], "does not describe"),
    ({"format": "minigrad-checkpoint", "version": 99, "root": {"dict": []}},
     "unknown format version 99"),
    ({"format": "minigrad-checkpoint", "root": {"dict": []}}, "unknown format version None"),
    ({"format": "minigrad-checkpoint", "version": 1, "root": {"set": [1]}},
     "malformed at the top level"),
    ({"format": "minigrad-checkpoint", "version": 1, "root": {"dict": [["w", {"tensor": 3}]]}},
     "malformed at w"),
    ({"format": "minigrad-checkpoint", "version": 1, "root": {"dict": [[1.5, 0]]}}, "malformed"),
    ({"format": "minigrad-checkpoint", "version": 1, "root": [1]}, "malformed"),
    ({"format": "minigrad-checkpoint", "version": 1, "root": 5}, "top level is not a dict but int"),
])
def test_bad_headers(real, header, fragment):
    rewrite(real, header=json.dumps(header))
    refused(real, fragment)


def test_missing_array_member(real):
    rewrite(real, drop=("a1",))
    refused(real, "optimizer.state.0.m", "'a1.npy'", "missing")


def test_object_array_member(real):
    with np.load(real, allow_pickle=False) as npz:
        header = npz["minigrad_header"].item()
    with open(real, "wb") as file:  # numpy.savez pickles object arrays on write
        np.savez(file, minigrad_header=np.array(header), a0=np.ones((50, 50)),
                 a1=np.array([{"evil": 1}, None], dtype=object))
    refused(real, "optimizer.state.0.m", "allow_pickle=False")


def test_corrupted_array_bytes(real):
    data = bytearray(real.read_bytes())
    with np.load(real) as npz:
        start = data.find(npz["a0"].tobytes()[:64])
    assert start > 0
    data[start + 100] ^= 0xFF  # flip bits inside model.w's values: the zip CRC catches it
    real.write_bytes(bytes(data))
    refused(real, "model.w", "cannot be read")


# ------------------------------------------------------------------- atomic writes
def test_interrupted_write_keeps_the_old_checkpoint(real, monkeypatch):
    before = real.read_bytes()
    listing = sorted(os.listdir(real.parent))

    def savez_then_crash(file, **members):
        file.write(b"PK\x03\x04 half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", savez_then_crash)
    with pytest.raises(KeyboardInterrupt):
        save({"model": {"w": minigrad.zeros(2)}}, real)
    assert real.read_bytes() == before
    assert sorted(os.listdir(real.parent)) == listing
    monkeypatch.undo()
    assert set(load(real)) == {"model", "optimizer"}


def test_failed_first_write_leaves_nothing(tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        save({"w": minigrad.ones(2)}, tmp_path / "new.npz")
    assert os.listdir(tmp_path) == []


def test_bad_values_are_refused_before_any_file_is_touched(real):
    before = real.read_bytes()
    with pytest.raises(TypeError):
        save({"w": {1, 2}}, real)
    assert real.read_bytes() == before and os.listdir(real.parent) == ["ckpt.npz"]


# ------------------------------------------------------------------- unsupported values
@pytest.mark.parametrize("obj, message", [
    ({"optimizer": {"state": {0: {"foo": {1, 2}}}}}, "optimizer.state.0.foo: cannot save a set"),
    ({"a": [1, object()]}, "a.1: cannot save a object"),
    ({"f": lambda: 0}, "f: cannot save a function"),
    ({"b": b"bytes"}, "b: cannot save a bytes"),
    ({"o": np.array([None, 1], dtype=object)}, "o: cannot save an array of Python objects"),
    ({"m": {(1, 2): 3}}, "m: cannot save a dict key of type tuple"),
    ({"m": {True: 3}}, "m: cannot save a dict key of type bool"),
    ({1.5: 0}, "top level: cannot save a dict key of type float"),
])
def test_unsupported_values(tmp_path, obj, message):
    with pytest.raises(TypeError) as info:
        save(obj, tmp_path / "x.npz")
    assert message in str(info.value)
    assert os.listdir(tmp_path) == []


def test_top_level_must_be_a_dict(tmp_path):
    with pytest.raises(TypeError, match="takes a dict"):
        save([minigrad.ones(2)], tmp_path / "x.npz")


def test_checkpoint_error_is_a_value_error():
    assert issubclass(CheckpointError, ValueError)
    assert serialization.VERSION == 1
