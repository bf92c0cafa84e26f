"""Module features that PyTorch programs use, each checked against torch itself:
``apply``, buffers, ``named_modules``, ``Embedding(padding_idx=)``, the recurrent layers'
reprs and ``flatten_parameters``, and state dicts of tied weights loaded both ways.

Each model is written once, as a function of the library (``minigrad`` or ``torch``),
so the twin is the same code with the import renamed.
"""
import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn


def tree(lib):
    """A tree with a module shared in two places and a container inside a container."""
    shared = lib.nn.Linear(3, 3)
    return lib.nn.Sequential(lib.nn.Linear(2, 3),
                             lib.nn.Sequential(lib.nn.Dropout(0.1), shared, lib.nn.Identity()),
                             shared, lib.nn.Linear(3, 1))


def numpy_of(t):
    return t.detach().numpy()


# --------------------------------------------------------------------------- apply
def visits(lib, model):
    """The names (first names, from named_modules) of the modules ``apply`` reaches, in order."""
    names = {id(m): n for n, m in model.named_modules()}
    seen = []
    assert model.apply(lambda m: seen.append(names[id(m)])) is model
    return seen


def test_apply_visits_children_first_then_self_like_torch(torch):
    ours, theirs = visits(minigrad, tree(minigrad)), visits(torch, tree(torch))
    assert ours == theirs
    assert ours[-1] == "" and ours.count("1.1") == 2  # the root last; the shared one twice


def test_apply_initialises_weights_like_torch(torch):
    def init_weights(lib):
        def fn(m):
            if isinstance(m, lib.nn.Linear):
                lib.nn.init.constant_(m.weight, 0.5)
                if m.bias is not None:
                    lib.nn.init.zeros_(m.bias)
        return fn

    ours = tree(minigrad).apply(init_weights(minigrad))
    theirs = tree(torch).apply(init_weights(torch))
    x = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(numpy_of(ours(minigrad.tensor(x))),
                               numpy_of(theirs(torch.from_numpy(x))), rtol=1e-6)


def test_apply_needs_no_recursion():
    model = nn.Identity()
    for _ in range(3000):
        model = nn.Sequential(model)
    count = []
    model.apply(count.append)
    assert len(count) == 3001 and count[-1] is model


# --------------------------------------------------------------------------- buffers
def with_buffers(lib):
    """Parameters, persistent, non-persistent, integer and None buffers, in a nested model."""
    class Norm(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("running_mean", lib.zeros(3))
            self.gain = lib.nn.Parameter(lib.ones(3))
            self.register_buffer("steps", lib.tensor(0))  # int64: never cast
            self.register_buffer("mask", lib.ones(3), persistent=False)
            self.register_buffer("unused", None)

        def forward(self, x):
            return (x - self.running_mean) * self.gain * self.mask

    class Model(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("scale", lib.full((1,), 2.0))
            self.first = lib.nn.Linear(3, 3)
            self.norm = Norm()

        def forward(self, x):
            return self.norm(self.first(x)) * self.scale

    return Model()


def test_buffers_in_state_dict_and_named_buffers_like_torch(torch):
    ours, theirs = with_buffers(minigrad), with_buffers(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == [
        "scale", "first.weight", "first.bias", "norm.gain", "norm.running_mean", "norm.steps"]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()] == \
        ["scale", "norm.running_mean", "norm.steps", "norm.mask"]
    assert [n for n, _ in ours.named_buffers(prefix="m", recurse=False)] == \
        [n for n, _ in theirs.named_buffers(prefix="m", recurse=False)] == ["m.scale"]
    assert len(list(ours.buffers())) == len(list(theirs.buffers())) == 4
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert ours.norm.running_mean is ours.norm._buffers["running_mean"]
    assert not ours.state_dict()["norm.running_mean"].requires_grad


def test_to_casts_floating_buffers_only_like_torch(torch):
    ours = with_buffers(minigrad).to(minigrad.float64)
    theirs = with_buffers(torch).to(torch.float64)
    for (name, a), (_, b) in zip(ours.named_buffers(), theirs.named_buffers()):
        assert a.dtype.name == str(b.dtype).replace("torch.", ""), name
    assert ours.norm.steps.dtype == np.int64 and ours.norm.mask.dtype == np.float64
    assert ours.norm.running_mean is ours.norm._buffers["running_mean"]  # attribute in step
    ours.float()
    assert ours.norm.mask.dtype == np.float32 and ours.norm.steps.dtype == np.int64
    assert ours.double().scale.dtype == np.float64


def test_buffers_load_from_a_torch_state_dict_and_back(torch):
    ours, theirs = with_buffers(minigrad), with_buffers(torch)
    with torch.no_grad():
        theirs.norm.running_mean.copy_(torch.tensor([1.0, -2.0, 3.0]))
        theirs.norm.steps.fill_(7)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_array_equal(ours.norm.running_mean.numpy(), [1.0, -2.0, 3.0])
    assert ours.norm.steps.item() == 7 and ours.norm.steps.dtype == np.int64
    x = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(numpy_of(ours(minigrad.tensor(x))),
                               numpy_of(theirs(torch.from_numpy(x))), rtol=1e-5, atol=1e-6)
    back = with_buffers(torch)
    back.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in ours.state_dict().items()})
    assert back.norm.steps.item() == 7


def test_a_missing_buffer_is_a_missing_key():
    model = with_buffers(minigrad)
    state = {k: v.numpy() for k, v in model.state_dict().items() if k != "norm.steps"}
    with pytest.raises(RuntimeError, match="missing keys: norm.steps"):
        model.load_state_dict(state)
    assert model.load_state_dict(state, strict=False).missing_keys == ["norm.steps"]


def test_reassigning_a_buffer_keeps_it_a_buffer_like_torch(torch):
    for lib in (minigrad, torch):
        model = with_buffers(lib)
        model.norm.running_mean = lib.ones(3)
        model.norm.mask = lib.zeros(3)
        model.norm.unused = lib.zeros(1)  # a None buffer, now filled: persistent
        assert "norm.running_mean" in model.state_dict()
        assert "norm.mask" not in model.state_dict()
        assert "norm.unused" in model.state_dict()
        model.norm.running_mean = lib.nn.Parameter(lib.ones(3))  # now a parameter
        assert "norm.running_mean" in dict(model.named_parameters())
        assert "norm.running_mean" not in dict(model.named_buffers())
        del model.scale
        assert "scale" not in model.state_dict()


@pytest.mark.parametrize("action, error, message", [
    (lambda m: m.register_buffer("a.b", minigrad.zeros(1)), KeyError, "without '.'"),
    (lambda m: m.register_buffer("", minigrad.zeros(1)), KeyError, "non-empty"),
    (lambda m: m.register_buffer("first", minigrad.zeros(1)), KeyError,
     "cannot register the buffer 'first': Model already has an attribute of that name"),
    (lambda m: m.register_buffer("b", 3), TypeError,
     "cannot register a int as the buffer 'b': a buffer holds a Tensor or None"),
    (lambda m: setattr(m, "scale", 2.0), TypeError,
     "cannot assign a float to the buffer 'scale': a buffer holds a Tensor or None"),
])
def test_bad_buffers_are_refused(action, error, message):
    model = with_buffers(minigrad)
    with pytest.raises(error) as info:
        action(model)
    assert message in str(info.value)


def test_register_buffer_before_init_is_a_clear_error():
    class Forgetful(nn.Module):
        def __init__(self):
            self.register_buffer("x", minigrad.zeros(1))

    with pytest.raises(AttributeError, match=r"Forgetful.__init__ must call super\(\).__init__"
                                             r"\(\) before registering the buffer 'x'"):
        Forgetful()


def test_reregistering_a_buffer_and_changing_persistence():
    model = with_buffers(minigrad)
    model.register_buffer("scale", minigrad.zeros(2), persistent=False)
    assert "scale" not in model.state_dict() and model.scale.shape == (2,)
    model.register_buffer("scale", minigrad.zeros(3))
    assert model.state_dict()["scale"].shape == (3,)


@pytest.mark.gpu
def test_buffers_move_to_the_gpu_and_back():
    model = with_buffers(minigrad).to(minigrad.device("cuda"))
    assert all(b.device == "cuda:0" for b in model.buffers())
    out = model(minigrad.randn(2, 3, device="cuda"))
    assert out.device == "cuda:0"
    assert all(b.device == "cpu" for b in model.cpu().buffers())


# --------------------------------------------------------------------------- named_modules
def module_names(lib, **kwargs):
    return [n for n, _ in tree(lib).named_modules(**kwargs)]


@pytest.mark.parametrize("kwargs", [{}, {"prefix": "model"}, {"remove_duplicate": False},
                                    {"prefix": "m", "remove_duplicate": False}])
def test_named_modules_matches_torch(torch, kwargs):
    assert module_names(minigrad, **kwargs) == module_names(torch, **kwargs)


def test_named_modules_memo_matches_torch(torch):
    def with_memo(lib):
        model = tree(lib)
        memo = {model[1]}  # already seen: it and its subtree are skipped
        names = [n for n, _ in model.named_modules(memo, "x")]
        return names, len(memo)

    assert with_memo(minigrad) == with_memo(torch)
    assert with_memo(minigrad)[0] == ["x", "x.0", "x.2", "x.3"]


def test_named_parameters_remove_duplicate_matches_torch(torch):
    for remove in (True, False):
        assert [n for n, _ in tree(minigrad).named_parameters(remove_duplicate=remove)] == \
            [n for n, _ in tree(torch).named_parameters(remove_duplicate=remove)]


def test_add_module_registers_like_attribute_assignment(torch):
    for lib in (minigrad, torch):
        model = lib.nn.Module()
        model.add_module("head", lib.nn.Linear(2, 1))
        assert [n for n, _ in model.named_parameters()] == ["head.weight", "head.bias"]
    with pytest.raises(TypeError, match="add_module.*takes a Module, got int"):
        nn.Module().add_module("x", 3)


# --------------------------------------------------------------------------- Module.to & co.
def test_module_to_a_tensor_takes_its_device_and_dtype():
    model = nn.Linear(2, 2)
    assert model.to(minigrad.zeros(1, dtype=minigrad.float64)) is model
    assert model.weight.dtype == np.float64 and model.weight.device == "cpu"
    assert model.float().weight.dtype == np.float32
    assert model.cpu() is model and model.to("cpu", non_blocking=True) is model


# --------------------------------------------------------------------------- Embedding
@pytest.mark.parametrize("padding_idx", [None, 0, 4, 6, -1, -3])
def test_embedding_padding_idx_matches_torch(torch, padding_idx):
    ours = nn.Embedding(7, 3, padding_idx=padding_idx, dtype=minigrad.float64)
    theirs = torch.nn.Embedding(7, 3, padding_idx=padding_idx, dtype=torch.float64)
    assert ours.padding_idx == theirs.padding_idx and repr(ours) == repr(theirs)
    if padding_idx is not None:
        assert np.all(numpy_of(ours.weight)[padding_idx] == 0)  # zero at init, as torch's
        assert not np.all(numpy_of(ours.weight) == 0)
    with torch.no_grad():  # a nonzero padding row: its value is still looked up
        theirs.weight.copy_(torch.from_numpy(np.random.default_rng(2).standard_normal((7, 3))))
    ours.load_state_dict({"weight": theirs.weight.detach().numpy()})
    idx = np.array([[0, 4, 6, 4], [1, 6, 0, 5]])
    upstream = np.random.default_rng(3).standard_normal((2, 4, 3))
    out_ours, out_theirs = ours(minigrad.tensor(idx)), theirs(torch.from_numpy(idx))
    np.testing.assert_array_equal(numpy_of(out_ours), numpy_of(out_theirs))
    out_ours.backward(minigrad.tensor(upstream))
    out_theirs.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)
    if padding_idx is not None:
        assert np.all(ours.weight.grad.numpy()[padding_idx] == 0)


def test_functional_embedding_padding_idx_matches_torch(torch):
    weight = np.random.default_rng(4).standard_normal((5, 2))
    idx = np.array([2, 2, 0, 4])
    ours = minigrad.tensor(weight, requires_grad=True)
    theirs = torch.tensor(weight, requires_grad=True)
    F.embedding(minigrad.tensor(idx), ours, padding_idx=2).sum().backward()
    torch.nn.functional.embedding(torch.from_numpy(idx), theirs, padding_idx=2).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    assert ours.grad.numpy()[2].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("padding_idx", [7, -8, 1.5, True, "0"])
def test_embedding_bad_padding_idx(padding_idx):
    with pytest.raises(ValueError, match=r"padding_idx must be an integer from -7 to 6 "
                                         r"\(num_embeddings is 7\)"):
        nn.Embedding(7, 3, padding_idx=padding_idx)


@pytest.mark.parametrize("freeze", [True, False])
def test_embedding_from_pretrained_matches_torch(torch, freeze):
    table = np.arange(12.0).reshape(4, 3)
    ours = nn.Embedding.from_pretrained(minigrad.tensor(table), freeze=freeze, padding_idx=1)
    theirs = torch.nn.Embedding.from_pretrained(torch.from_numpy(table), freeze=freeze,
                                                padding_idx=1)
    assert repr(ours) == repr(theirs)
    assert ours.weight.requires_grad == theirs.weight.requires_grad == (not freeze)
    np.testing.assert_array_equal(numpy_of(ours.weight), numpy_of(theirs.weight))
    with pytest.raises(ValueError, match="2-D tensor"):
        nn.Embedding.from_pretrained(minigrad.zeros(3))


# --------------------------------------------------------------------------- reprs
LAYER_CONFIGS = [
    ((58, 128), {}),
    ((10, 20), {"num_layers": 2, "dropout": 0.5}),
    ((3, 4), {"batch_first": True}),
    ((3, 4), {"bias": False}),
    ((3, 4), {"bidirectional": True, "num_layers": 3, "dropout": 1}),
    ((5, 6), {"num_layers": 2, "batch_first": True, "dropout": 0.25, "bidirectional": True,
              "bias": False}),
]


@pytest.mark.filterwarnings("ignore:dropout option adds dropout")  # torch's, for 1 layer
@pytest.mark.parametrize("layer", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("args, kwargs", LAYER_CONFIGS)
def test_recurrent_layer_reprs_match_torch(torch, layer, args, kwargs):
    assert repr(getattr(nn, layer)(*args, **kwargs)) == \
        repr(getattr(torch.nn, layer)(*args, **kwargs))


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.RNN(58, 128),
    lambda lib: lib.nn.RNN(3, 4, nonlinearity="relu"),
    lambda lib: lib.nn.RNNCell(3, 4, nonlinearity="relu", bias=False),
    lambda lib: lib.nn.RNNCell(3, 4),
    lambda lib: lib.nn.GRUCell(3, 4, bias=False),
    lambda lib: lib.nn.LSTMCell(3, 4),
    lambda lib: lib.nn.Sequential(lib.nn.Embedding(10, 4, padding_idx=0),
                                  lib.nn.LSTM(4, 8, batch_first=True)),
])
def test_more_reprs_match_torch(torch, make):
    assert repr(make(minigrad)) == repr(make(torch))


def test_rnn_keeps_its_nonlinearity_like_torch(torch):
    assert nn.RNN(3, 4, nonlinearity="relu").nonlinearity == \
        torch.nn.RNN(3, 4, nonlinearity="relu").nonlinearity == "relu"


@pytest.mark.parametrize("layer", [nn.RNN, nn.GRU, nn.LSTM])
def test_flatten_parameters_is_a_documented_no_op(layer):
    model = layer(3, 4, num_layers=2)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    params = list(model.parameters())
    assert model.flatten_parameters() is None
    assert all(a is b for a, b in zip(model.parameters(), params))
    assert all(np.array_equal(before[k], v.numpy()) for k, v in model.state_dict().items())
    assert "does nothing" in layer.flatten_parameters.__doc__.lower()


# --------------------------------------------------------------------------- tied weights
def language_model(lib, vocab=11, hidden=6):
    """An LSTM language model whose decoder shares the embedding's weight (weight tying,
    Press & Wolf 2017), as in PyTorch's word_language_model example."""
    class LM(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = lib.nn.Embedding(vocab, hidden)
            self.rnn = lib.nn.LSTM(hidden, hidden, num_layers=2)
            self.decoder = lib.nn.Linear(hidden, vocab)
            self.decoder.weight = self.encoder.weight

        def forward(self, tokens):
            out, _ = self.rnn(self.encoder(tokens))
            return self.decoder(out)

    return LM()


TOKENS = np.array([[1, 4, 0], [3, 3, 10], [7, 2, 5], [9, 8, 6]])  # (seq, batch)


def test_tied_weights_state_dict_keys_are_torchs(torch):
    ours, theirs = language_model(minigrad), language_model(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert {"encoder.weight", "decoder.weight"} <= set(ours.state_dict())
    state = ours.state_dict()
    assert np.shares_memory(state["encoder.weight"].array, state["decoder.weight"].array)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert "decoder.weight" not in dict(ours.named_parameters())  # listed once, as torch


def test_tied_weights_load_from_torch_and_back(torch):
    ours, theirs = language_model(minigrad), language_model(torch)
    result = ours.load_state_dict({k: v.detach().numpy() for k, v in
                                   theirs.state_dict().items()}, strict=True)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert ours.decoder.weight is ours.encoder.weight  # still tied
    tokens_ours, tokens_theirs = minigrad.tensor(TOKENS), torch.from_numpy(TOKENS)
    np.testing.assert_allclose(numpy_of(ours(tokens_ours)), numpy_of(theirs(tokens_theirs)),
                               rtol=1e-5, atol=1e-6)

    with minigrad.no_grad():  # change the minigrad model, then load it into a fresh torch one
        ours.encoder.weight.mul_(0.5)
    back = language_model(torch)
    back.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in ours.state_dict().items()}, strict=True)
    assert back.decoder.weight is back.encoder.weight
    np.testing.assert_allclose(numpy_of(back(tokens_theirs)), numpy_of(ours(tokens_ours)),
                               rtol=1e-5, atol=1e-6)


def test_tied_weights_survive_save_and_load(tmp_path):
    model = language_model(minigrad)
    minigrad.save(model.state_dict(), tmp_path / "lm.npz")
    fresh = language_model(minigrad)
    fresh.load_state_dict(minigrad.load(tmp_path / "lm.npz"))
    np.testing.assert_array_equal(numpy_of(fresh.decoder.weight), numpy_of(model.encoder.weight))
    assert fresh.decoder.weight is fresh.encoder.weight


def test_load_state_dict_takes_a_mapping_like_torch(torch):
    for lib, error in ((minigrad, TypeError), (torch, TypeError)):
        with pytest.raises(error):
            lib.nn.Linear(2, 2).load_state_dict([("weight", lib.zeros(2, 2))])
    with pytest.raises(TypeError, match="load_state_dict takes a dict of name -> tensor "
                                        r"\(what state_dict\(\) returns\), got a list"):
        nn.Linear(2, 2).load_state_dict([])


def test_a_tied_name_missing_is_refused_like_torch(torch):
    state = {k: v.detach().numpy() for k, v in language_model(torch).state_dict().items()}
    del state["decoder.weight"]
    with pytest.raises(RuntimeError, match="decoder.weight"):
        language_model(torch).load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    with pytest.raises(RuntimeError, match="missing keys: decoder.weight"):
        language_model(minigrad).load_state_dict(state)
