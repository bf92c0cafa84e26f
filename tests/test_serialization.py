"""Checkpoints: round trips through save/load, and refusal of anything untrustworthy."""
import io
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
    ({"format": "minigrad-checkpoint", "version": 1, "root": {"tensor": 5}},
     "malformed at the top level"),
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


@pytest.mark.parametrize("make", [
    lambda: minigrad.nn.LSTM(2, 3),
    lambda: {"model": minigrad.nn.Linear(2, 3), "epoch": 1},
    lambda: [minigrad.optim.SGD(minigrad.nn.Linear(2, 3).parameters(), lr=0.1)],
], ids=["module", "module-in-a-dict", "optimizer-in-a-list"])
def test_a_whole_module_or_optimizer_is_refused_pointing_to_state_dict(tmp_path, make):
    with pytest.raises(TypeError) as info:
        save(make(), tmp_path / "x.npz")
    message = str(info.value)
    assert "cannot save a whole" in message and "save its state_dict() instead" in message
    assert os.listdir(tmp_path) == []


def test_the_refusal_names_where_the_module_was(tmp_path):
    with pytest.raises(TypeError, match=r"^model: cannot save a whole Linear: save its "
                                        r"state_dict\(\) instead"):
        save({"model": minigrad.nn.Linear(2, 3)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match=r"^cannot save a whole LSTM"):
        save(minigrad.nn.LSTM(2, 3), tmp_path / "x.npz")


@pytest.mark.parametrize("obj", [minigrad.arange(5), [minigrad.ones(2), 3], (1, "two", None),
                                 7, None, "text", np.eye(2), [], {}],
                         ids=["tensor", "list", "tuple", "int", "none", "str", "array",
                              "empty-list", "empty-dict"])
def test_any_top_level_value_round_trips(ckpt, obj):
    save(obj, ckpt)
    same(obj, load(ckpt))


def test_checkpoint_error_is_a_value_error():
    assert issubclass(CheckpointError, ValueError)
    assert serialization.VERSION == 1


# ------------------------------------------------------------------- file objects
def sample():
    model = minigrad.nn.GRU(2, 3)
    opt = minigrad.optim.Adam(model.parameters(), lr=0.01)
    model(minigrad.randn(4, 1, 2))[0].sum().backward()
    opt.step()
    return {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
            "loss": 0.25, "best": None, "done": False, "name": "gru"}


def test_bytes_io_round_trip():
    original = sample()
    buffer = io.BytesIO()
    assert save(original, buffer) is None
    buffer.seek(0)
    same(original, load(buffer))
    buffer.seek(0)
    same(original, load(buffer))  # the buffer is left readable again


def test_open_binary_files_round_trip(tmp_path):
    original = sample()
    with open(tmp_path / "ckpt.npz", "wb") as file:
        save(original, file)
    with open(tmp_path / "ckpt.npz", "rb") as file:
        same(original, load(file))
    same(original, load(tmp_path / "ckpt.npz"))  # the same file as a path


def test_loading_from_bytes_read_at_the_current_position():
    buffer = io.BytesIO()
    save({"w": minigrad.ones(2)}, buffer)
    data = buffer.getvalue()
    assert data.startswith(b"PK")
    same({"w": minigrad.ones(2)}, load(io.BytesIO(data)))


@pytest.mark.parametrize("mode", ["w", "r"])
def test_text_mode_files_are_refused(tmp_path, mode):
    path = tmp_path / "ckpt.npz"
    save({"w": 1}, path)
    with open(path, mode) as file, pytest.raises(TypeError) as info:
        save({"w": 1}, file) if mode == "w" else load(file)
    assert f"open the file with mode '{mode}b'" in str(info.value)


def test_an_unseekable_stream_is_refused_saying_what_to_do():
    class Stream:
        def read(self, n=-1):
            return b"PK\x03\x04"

    with pytest.raises(CheckpointError) as info:
        load(Stream())
    message = str(info.value)
    assert "'<Stream object>'" in message and "cannot seek" in message and "BytesIO" in message


@pytest.mark.parametrize("data, fragment", [
    (b"", "the file is empty"),
    (b"\x80\x04garbage", "not an .npz (zip) archive"),
    (b"PK\x03\x04truncated", "truncated or corrupt"),
])
def test_bad_bytes_in_a_buffer_are_refused(data, fragment):
    with pytest.raises(CheckpointError) as info:
        load(io.BytesIO(data))
    assert "cannot load checkpoint '<BytesIO object>'" in str(info.value)
    assert fragment in str(info.value)


def test_a_file_object_with_a_name_is_named(tmp_path):
    path = tmp_path / "bad.npz"
    path.write_bytes(b"not a zip")
    with open(path, "rb") as file, pytest.raises(CheckpointError, match="bad.npz"):
        load(file)


def test_map_location_takes_devices_and_refuses_dicts_and_functions():
    buffer = io.BytesIO()
    save({"t": minigrad.ones(1)}, buffer)
    buffer.seek(0)
    assert load(buffer, map_location=minigrad.device("cpu"), weights_only=True)["t"].device \
        == "cpu"
    for bad in ({"cuda:0": "cpu"}, lambda storage, location: storage):
        with pytest.raises(TypeError, match="map_location must be a device or its name"):
            load(buffer, map_location=bad)


def test_devices_are_saved_as_their_names(ckpt):
    save({"device": minigrad.device("cuda", 1)}, ckpt)
    back = load(ckpt)["device"]
    assert back == "cuda:1" and minigrad.device(back) == minigrad.device("cuda", 1)


# ------------------------------------------------------------------- resuming training
OPTIMIZERS = {
    "sgd-momentum": lambda p: minigrad.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda p: minigrad.optim.Adam(p, lr=0.01, betas=(0.8, 0.99)),
    "adamw": lambda p: minigrad.optim.AdamW(p, lr=0.01),
    "rmsprop": lambda p: minigrad.optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda p: minigrad.optim.Adagrad(p, lr=0.1),
}


def train_steps(model, opt, batches):
    for x in batches:
        opt.zero_grad()
        model(x)[0].pow(2).mean().backward()
        opt.step()


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_resuming_from_a_checkpoint_continues_exactly(make_optimizer):
    batches = [minigrad.randn(5, 2, 3) for _ in range(6)]
    minigrad.manual_seed(1)
    straight = minigrad.nn.LSTM(3, 4)
    opt = make_optimizer(straight.parameters())
    scheduler = minigrad.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    minigrad.manual_seed(1)
    resumed = minigrad.nn.LSTM(3, 4)
    train_steps(straight, opt, batches[:3])
    scheduler.step()

    buffer = io.BytesIO()  # the checkpoint, written as a PyTorch program writes it
    save({"epoch": 1, "model_state_dict": straight.state_dict(),
          "optimizer_state_dict": opt.state_dict(), "scheduler": scheduler.state_dict()},
         buffer)
    train_steps(straight, opt, batches[3:])

    buffer.seek(0)
    checkpoint = load(buffer)
    resumed.load_state_dict(checkpoint["model_state_dict"])
    resumed_opt = make_optimizer(resumed.parameters())
    resumed_opt.load_state_dict(checkpoint["optimizer_state_dict"])
    resumed_scheduler = minigrad.optim.lr_scheduler.StepLR(resumed_opt, step_size=2)
    resumed_scheduler.load_state_dict(checkpoint["scheduler"])
    assert resumed_scheduler.get_last_lr() == scheduler.get_last_lr() == [
        group["lr"] for group in resumed_opt.param_groups]
    train_steps(resumed, resumed_opt, batches[3:])
    for (name, a), (_, b) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        assert a.numpy().tobytes() == b.numpy().tobytes(), name


def general_checkpoint(lib, f, init):
    """PyTorch's "saving and loading a general checkpoint" recipe, for either library:
    train a step, save model, optimizer, epoch and loss, load it all back, train on."""
    model = lib.nn.LSTM(3, 4)
    model.load_state_dict({k: lib.tensor(v) for k, v in init.items()})
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = lib.tensor(np.linspace(-1, 1, 30, dtype=np.float32).reshape(5, 2, 3))

    def step():
        optimizer.zero_grad()
        loss = model(x)[0].pow(2).mean()
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    lib.save({"epoch": 1, "model_state_dict": model.state_dict(),
              "optimizer_state_dict": optimizer.state_dict(), "loss": loss.item(),
              "hparams": {"hidden": 4, "tied": False, "note": None, "sizes": (3, 4)}}, f)
    f.seek(0)
    checkpoint = lib.load(f, weights_only=True)
    model = lib.nn.LSTM(3, 4)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.5, momentum=0.0)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    step()
    step()
    return checkpoint, {k: v.detach().numpy() for k, v in model.state_dict().items()}


def test_the_general_checkpoint_recipe_gives_torchs_numbers(torch):
    init = {k: v.detach().numpy() for k, v in torch.nn.LSTM(3, 4).state_dict().items()}
    ours, our_weights = general_checkpoint(minigrad, io.BytesIO(), init)
    theirs, their_weights = general_checkpoint(torch, io.BytesIO(), init)
    assert list(ours) == list(theirs)
    assert ours["epoch"] == theirs["epoch"] == 1
    assert ours["loss"] == pytest.approx(theirs["loss"], rel=1e-6)
    assert ours["hparams"] == theirs["hparams"]
    assert type(ours["hparams"]["sizes"]) is type(theirs["hparams"]["sizes"]) is tuple
    assert list(ours["model_state_dict"]) == list(theirs["model_state_dict"])
    assert ours["optimizer_state_dict"]["param_groups"][0]["lr"] == 0.1
    for name in their_weights:  # momentum restored: the same path after loading
        np.testing.assert_allclose(our_weights[name], their_weights[name], rtol=1e-5,
                                   atol=1e-6, err_msg=name)
