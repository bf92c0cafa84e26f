"""Module and Parameter: registration, the module tree, modes, devices, state dicts, repr.

Where PyTorch is installed, names, shapes and the printed tree are compared with an
equivalent torch model; the rest is checked against hand-written expectations.
"""
import numpy as np
import pytest

import minigrad
from minigrad import nn
from minigrad.nn import Parameter


class Net(nn.Module):
    """A model with every kind of attribute: its own Parameter, a sub-module, a
    ModuleList, a plain tensor and a number (the last two are not registered)."""

    def __init__(self):
        super().__init__()
        self.scale = Parameter(np.ones(2, dtype=np.float32))
        self.encoder = nn.Linear(3, 4)
        self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 2, bias=False)])
        self.buffer = minigrad.zeros(5)  # a plain Tensor: not a parameter
        self.hidden = 4

    def forward(self, x):
        x = self.encoder(x).tanh()
        for block in self.blocks:
            x = block(x)
        return x * self.scale


NET_NAMES = ["scale", "encoder.weight", "encoder.bias", "blocks.0.weight", "blocks.0.bias",
             "blocks.1.weight"]
NET_SHAPES = [(2,), (4, 3), (4,), (4, 4), (4,), (2, 4)]


def torch_net(torch):
    """The same model in PyTorch."""
    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.ones(2))
            self.encoder = torch.nn.Linear(3, 4)
            self.blocks = torch.nn.ModuleList([torch.nn.Linear(4, 4),
                                               torch.nn.Linear(4, 2, bias=False)])
    return TorchNet()


# --------------------------------------------------------------------------- Parameter
def test_parameter_from_tensor_shares_values_and_requires_grad():
    t = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    p = Parameter(t)
    assert isinstance(p, Parameter) and isinstance(p, minigrad.Tensor)
    assert p.requires_grad and p.is_leaf
    assert p.shape == (2, 2) and p.dtype == minigrad.float32
    np.testing.assert_array_equal(p.detach().numpy(), [[1.0, 2.0], [3.0, 4.0]])


def test_parameter_from_a_tensor_in_a_graph_is_a_fresh_leaf():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    p = Parameter(x * 3)
    assert p.is_leaf and p.grad_fn is None
    (p * p).sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), [6.0, 12.0])
    assert x.grad is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parameter_from_array_keeps_its_dtype(dtype):
    p = Parameter(np.arange(6, dtype=dtype).reshape(2, 3))
    assert p.dtype == dtype and p.shape == (2, 3) and p.requires_grad
    np.testing.assert_array_equal(p.detach().numpy(), np.arange(6).reshape(2, 3))


def test_parameter_without_grad_and_repr():
    p = Parameter(np.zeros(3, dtype=np.float32), requires_grad=False)
    assert not p.requires_grad
    q = Parameter(np.zeros(2, dtype=np.float32))
    assert repr(q).startswith("Parameter containing:\n")
    assert "requires_grad=True" in repr(q)


def test_parameter_gets_gradients():
    w = Parameter(np.array([1.0, -2.0], dtype=np.float32))
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [2.0, -4.0])


# --------------------------------------------------------------------------- registration
def test_attribute_assignment_registers_parameters_and_modules_only():
    net = Net()
    assert list(net._parameters) == ["scale"]
    assert list(net._modules) == ["encoder", "blocks"]
    assert all(p is not net.buffer for p in net.parameters())
    assert len(list(net.parameters())) == 6


def test_named_parameters_have_dotted_names_in_order():
    net = Net()
    named = list(net.named_parameters())
    assert [name for name, _ in named] == NET_NAMES
    assert [p.shape for _, p in named] == NET_SHAPES
    assert named[1][1] is net.encoder.weight
    assert named[5][1] is net.blocks[1].weight
    params = list(net.parameters())
    assert len(params) == len(named) and all(a is b for (_, a), b in zip(named, params))


def test_named_parameters_match_torch(torch):
    names = [(n, tuple(p.shape)) for n, p in torch_net(torch).named_parameters()]
    assert names == list(zip(NET_NAMES, NET_SHAPES))


def test_named_parameters_prefix_and_recurse():
    net = Net()
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in net.encoder.named_parameters(prefix="enc")] == ["enc.weight",
                                                                         "enc.bias"]
    assert len(list(net.parameters(recurse=False))) == 1


def test_reassigning_and_deleting_attributes_updates_registration():
    net = Net()
    net.encoder = nn.Linear(3, 4, bias=False)
    assert "encoder.bias" not in dict(net.named_parameters())
    with pytest.raises(TypeError, match="scale"):  # as in torch: a plain tensor is refused
        net.scale = minigrad.ones(2)
    assert "scale" in dict(net.named_parameters())
    net.scale = None  # None unregisters it
    assert "scale" not in dict(net.named_parameters())
    net.scale = Parameter(np.ones(2, dtype=np.float32))
    del net.blocks
    assert [n for n, _ in net.named_parameters()] == ["scale", "encoder.weight"]
    assert "blocks" not in dict(net.named_children())


def test_register_parameter_rejects_dotted_or_empty_names():
    net = nn.Module()
    net.register_parameter("w", Parameter(np.zeros(1, dtype=np.float32)))
    assert [n for n, _ in net.named_parameters()] == ["w"]
    for bad in ("a.b", ""):
        with pytest.raises(KeyError):
            net.register_parameter(bad, Parameter(np.zeros(1, dtype=np.float32)))


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.Identity(), shared)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert sum(1 for m in model.modules() if m is shared) == 1


def test_forgetting_super_init_is_a_clear_error():
    class Forgetful(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"Forgetful.*super\(\)\.__init__\(\)"):
        Forgetful()


def test_module_without_forward_raises():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(minigrad.zeros(1))


# --------------------------------------------------------------------------- ModuleList
def test_module_list_registers_indexes_and_iterates():
    layers = nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 1)])
    assert len(layers) == 2
    assert layers[-1].out_features == 1
    assert [m.in_features for m in layers] == [2, 3]
    assert layers.append(nn.Identity()) is layers and len(layers) == 3
    assert [n for n, _ in layers.named_children()] == ["0", "1", "2"]
    assert [n for n, _ in layers.named_parameters()] == ["0.weight", "0.bias", "1.weight",
                                                         "1.bias"]
    sub = layers[1:]
    assert isinstance(sub, nn.ModuleList) and len(sub) == 2 and sub[0] is layers[1]


def test_a_plain_list_of_modules_is_not_registered():
    class Hidden(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2)]  # a Python list: PyTorch does not see it either

    assert list(Hidden().parameters()) == []


def test_sequential_composes_and_slices():
    model = nn.Sequential(nn.Linear(3, 5), nn.Identity(), nn.Linear(5, 2))
    x = minigrad.randn(4, 3)
    expected = model[2](model[0](x))
    np.testing.assert_allclose(model(x).detach().numpy(), expected.detach().numpy())
    head = model[:2]
    assert isinstance(head, nn.Sequential)
    np.testing.assert_allclose(head(x).detach().numpy(), model[0](x).detach().numpy())


# --------------------------------------------------------------------------- the tree
def test_children_and_modules():
    net = Net()
    children = list(net.children())
    assert len(children) == 2
    assert children[0] is net.encoder and children[1] is net.blocks
    modules = list(net.modules())
    expected = [net, net.encoder, net.blocks, net.blocks[0], net.blocks[1]]
    assert len(modules) == len(expected) and all(a is b for a, b in zip(modules, expected))
    names = [n for n, _ in net.named_modules()]
    assert names == ["", "encoder", "blocks", "blocks.0", "blocks.1"]


def test_named_modules_match_torch(torch):
    assert [n for n, _ in Net().named_modules()] == \
        [n for n, _ in torch_net(torch).named_modules()]


def test_modules_of_a_deep_tree_need_no_recursion():
    model = nn.Identity()
    for _ in range(3000):  # deeper than Python's recursion limit
        model = nn.Sequential(model)
    assert sum(1 for _ in model.modules()) == 3001


# --------------------------------------------------------------------------- zero_grad
def test_zero_grad_sets_to_none_or_zeros():
    net = Net()
    net(minigrad.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    for p in net.parameters():
        assert p.grad.shape == p.shape
        assert not np.any(p.grad.numpy())
    net(minigrad.randn(5, 3)).sum().backward()
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_gradients_accumulate_until_zero_grad():
    lin = nn.Linear(2, 1)
    x = minigrad.tensor([[1.0, 2.0]])
    lin(x).sum().backward()
    lin(x).sum().backward()
    np.testing.assert_allclose(lin.weight.grad.numpy(), [[2.0, 4.0]])
    lin.zero_grad()
    lin(x).sum().backward()
    np.testing.assert_allclose(lin.weight.grad.numpy(), [[1.0, 2.0]])


# --------------------------------------------------------------------------- train / eval
def test_train_and_eval_reach_every_module():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5), nn.Identity()))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    assert model.train() is model
    assert all(m.training for m in model.modules())
    model.train(False)
    assert not model[1][0].training


def test_eval_turns_nested_dropout_off():
    model = nn.Sequential(nn.Identity(), nn.Sequential(nn.Dropout(0.5)))
    x = minigrad.ones(1000)
    assert np.count_nonzero(model(x).numpy() == 0) > 300
    model.eval()
    np.testing.assert_array_equal(model(x).numpy(), np.ones(1000))


# --------------------------------------------------------------------------- to()
@pytest.mark.parametrize("dtype", [minigrad.float64, "float64", np.float64])
def test_to_dtype_converts_in_place_keeping_parameter_identity(dtype):
    net = Net()
    before = {name: (p, p.detach().numpy().copy()) for name, p in net.named_parameters()}
    net(minigrad.randn(2, 3)).sum().backward()
    assert net.to(dtype) is net
    for name, p in net.named_parameters():
        assert p is before[name][0]
        assert p.dtype == np.float64 and p.grad.dtype == np.float64
        np.testing.assert_array_equal(p.detach().numpy(), before[name][1])
    out = net(minigrad.randn(2, 3, dtype=minigrad.float64))
    assert out.dtype == np.float64
    net.to(minigrad.float32)
    assert all(p.dtype == np.float32 for p in net.parameters())


def test_to_dtype_leaves_integer_parameters_alone():
    m = nn.Module()
    m.index = Parameter(np.arange(3), requires_grad=False)
    m.to(minigrad.float64)
    assert m.index.dtype == np.int64


def test_to_device_keeps_parameter_identity(device):
    lin = nn.Linear(3, 2)
    weight = lin.weight
    lin.to(device)
    assert lin.weight is weight
    assert lin.weight.device.startswith(device)
    out = lin(minigrad.randn(4, 3, device=device))
    assert out.device.startswith(device)
    lin.to("cpu")
    assert lin.weight.device == "cpu"


def test_layers_built_on_a_device(device):
    lin = nn.Linear(3, 2, device=device)
    emb = nn.Embedding(4, 2, device=device)
    assert all(p.device.startswith(device) for p in [*lin.parameters(), *emb.parameters()])


# --------------------------------------------------------------------------- state_dict
def test_state_dict_names_shapes_and_detached_values():
    net = Net()
    state = net.state_dict()
    assert list(state) == NET_NAMES
    assert [tuple(v.shape) for v in state.values()] == NET_SHAPES
    assert all(not v.requires_grad for v in state.values())
    np.testing.assert_array_equal(state["encoder.weight"].numpy(),
                                  net.encoder.weight.detach().numpy())


def test_state_dict_matches_torch_for_an_equivalent_sequential(torch):
    def build(lib):
        return lib.Sequential(lib.Embedding(10, 4), lib.Linear(4, 8), lib.Dropout(0.1),
                              lib.Sequential(lib.Identity(), lib.Linear(8, 3, bias=False)))

    ours, theirs = build(nn), build(torch.nn)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]

    # weights move both ways and give the same numbers
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    idx = np.array([[1, 2, 3], [9, 0, 4]])
    ours.eval()
    theirs.eval()
    expected = theirs(torch.from_numpy(idx)).detach().numpy()
    np.testing.assert_allclose(ours(minigrad.tensor(idx)).detach().numpy(), expected,
                               rtol=1e-5, atol=1e-6)
    fresh = build(torch.nn)
    fresh.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                           for k, v in ours.state_dict().items()})
    fresh.eval()
    np.testing.assert_allclose(fresh(torch.from_numpy(idx)).detach().numpy(), expected,
                               rtol=1e-6)


def test_load_state_dict_roundtrip_copies_values():
    a, b = Net(), Net()
    state = {k: v.numpy().copy() for k, v in a.state_dict().items()}
    result = b.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(pa.detach().numpy(), pb.detach().numpy())
    state["encoder.weight"][...] = 7.0  # b holds a copy, not the caller's array
    assert not np.any(b.encoder.weight.detach().numpy() == 7.0)


def test_load_state_dict_converts_dtype_and_keeps_parameter_identity():
    lin = nn.Linear(2, 2)
    weight = lin.weight
    lin.load_state_dict({"weight": np.eye(2), "bias": minigrad.tensor([1.0, 2.0],
                                                                      dtype=minigrad.float64)})
    assert lin.weight is weight and weight.dtype == np.float32 and weight.requires_grad
    np.testing.assert_array_equal(weight.detach().numpy(), np.eye(2))
    np.testing.assert_array_equal(lin.bias.detach().numpy(), [1.0, 2.0])


def test_load_state_dict_strict_names_every_bad_key_and_both_shapes():
    net = Net()
    state = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    before = {k: v.copy() for k, v in state.items()}
    del state["encoder.bias"], state["blocks.1.weight"]
    state["decoder.weight"] = np.zeros((2, 2))
    state["extra"] = np.zeros(1)
    state["encoder.weight"] = np.zeros((3, 4), dtype=np.float32)
    state["blocks.0.bias"] = np.zeros(5, dtype=np.float32)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    for key in ("encoder.bias", "blocks.1.weight", "decoder.weight", "extra",
                "encoder.weight", "blocks.0.bias"):
        assert key in message, key
    assert "(3, 4)" in message and "(4, 3)" in message  # both shapes of encoder.weight
    assert "(5,)" in message and "(4,)" in message
    assert "missing" in message and "unexpected" in message
    # nothing was loaded: the matching keys (scale, blocks.0.weight) are untouched too
    for name, p in net.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), before[name])


@pytest.mark.parametrize("problem", ["missing", "unexpected", "shape"])
def test_load_state_dict_each_problem_alone_is_an_error(problem):
    lin = nn.Linear(2, 3)
    state = {"weight": np.zeros((3, 2)), "bias": np.zeros(3)}
    if problem == "missing":
        del state["bias"]
    elif problem == "unexpected":
        state["gain"] = np.zeros(3)
    else:
        state["weight"] = np.zeros((2, 3))
    with pytest.raises(RuntimeError, match="bias|gain|weight"):
        lin.load_state_dict(state)


def test_load_state_dict_non_strict_returns_missing_and_unexpected():
    lin = nn.Linear(2, 3)
    bias = lin.bias.detach().numpy().copy()
    result = lin.load_state_dict({"weight": np.ones((3, 2)), "gain": np.zeros(3),
                                  "other": np.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"]
    assert result.unexpected_keys == ["gain", "other"]
    missing, unexpected = result  # a named tuple, as in PyTorch
    assert missing == ["bias"] and unexpected == ["gain", "other"]
    np.testing.assert_array_equal(lin.weight.detach().numpy(), np.ones((3, 2)))
    np.testing.assert_array_equal(lin.bias.detach().numpy(), bias)


def test_load_state_dict_non_strict_still_refuses_a_shape_mismatch():
    lin = nn.Linear(2, 3)
    with pytest.raises(RuntimeError, match="weight") as info:
        lin.load_state_dict({"weight": np.ones((2, 3))}, strict=False)
    assert "(2, 3)" in str(info.value) and "(3, 2)" in str(info.value)


# --------------------------------------------------------------------------- repr
def test_repr_prints_the_tree():
    expected = """Net(
  (encoder): Linear(in_features=3, out_features=4, bias=True)
  (blocks): ModuleList(
    (0): Linear(in_features=4, out_features=4, bias=True)
    (1): Linear(in_features=4, out_features=2, bias=False)
  )
)"""
    assert repr(Net()) == expected


def test_repr_of_leaves_and_empty_containers():
    assert repr(nn.Identity()) == "Identity()"
    assert repr(nn.Embedding(10, 3)) == "Embedding(10, 3)"
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25)"
    assert repr(nn.Sequential()) == "Sequential()"
    assert repr(nn.ModuleList()) == "ModuleList()"


def test_repr_matches_torch(torch):
    ours = nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.Identity(),
                                                        nn.Linear(4, 2, bias=False)),
                         nn.Embedding(5, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4),
                                 torch.nn.Sequential(torch.nn.Identity(),
                                                     torch.nn.Linear(4, 2, bias=False)),
                                 torch.nn.Embedding(5, 2))
    assert repr(ours) == repr(theirs)
