"""The Tensor API: creation and dtype rules, factories and the seed, attributes, repr,
conversions, and the error messages users see."""
import importlib.util

import numpy as np
import pytest

import minigrad

HAS_CUPY = importlib.util.find_spec("cupy") is not None


# --------------------------------------------------------------------------- minigrad.tensor
@pytest.mark.parametrize("data,dtype,shape", [
    (1.5, np.float32, ()),
    ([1.0, 2.0], np.float32, (2,)),
    ([[1, 2.5], [3, 4]], np.float32, (2, 2)),  # a float anywhere makes it float
    (3, np.int64, ()),
    ([[1, 2, 3]], np.int64, (1, 3)),
    ([True, False], np.bool_, (2,)),
    (np.array([1.0, 2.0]), np.float64, (2,)),  # arrays keep their dtype
    (np.array([1.0], dtype=np.float32), np.float32, (1,)),
    (np.array([1, 2], dtype=np.int32), np.int32, (2,)),
    (np.float64(2.0) * np.ones((2, 2)), np.float64, (2, 2)),
])
def test_dtype_rules(data, dtype, shape):
    t = minigrad.tensor(data)
    assert t.dtype == dtype
    assert t.shape == shape
    np.testing.assert_array_equal(t.numpy(), np.asarray(data))


def test_dtype_rules_like_torch(torch):
    for data in (1.5, [1.0, 2.0], [[1, 2.5]], 3, [1, 2], [True], np.array([1.0]),
                 np.array([1], dtype=np.int32), np.array([1.0], dtype=np.float32)):
        ours, theirs = minigrad.tensor(data), torch.tensor(data)
        assert f"torch.{ours.dtype.name}" == str(theirs.dtype), data
        assert ours.shape == tuple(theirs.shape)


@pytest.mark.parametrize("dtype", ["float64", "double", minigrad.float64, np.float64])
def test_dtype_argument_accepts_names_and_objects(dtype):
    t = minigrad.tensor([1, 2], dtype=dtype)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])


def test_dtype_argument_converts():
    assert minigrad.tensor([1.7, -2.2], dtype="int64").numpy().tolist() == [1, -2]
    assert minigrad.tensor(np.array([1.0]), dtype=minigrad.float32).dtype == np.float32
    assert minigrad.tensor([1, 2], dtype="float").dtype == np.float32
    assert minigrad.tensor([1.0], dtype=minigrad.float16).dtype == np.float16


def test_unknown_dtype_is_refused():
    with pytest.raises(TypeError, match="unknown dtype"):
        minigrad.tensor([1.0], dtype="floaty")


def test_dtype_objects_are_numpy_dtypes():
    assert minigrad.float32 == np.float32 and minigrad.float64 == np.float64
    assert minigrad.int64 == np.int64 and minigrad.long == np.int64 and minigrad.bool == np.bool_


def test_tensor_copies_its_data():
    source = np.array([1.0, 2.0])
    t = minigrad.tensor(source)
    source[0] = 100.0
    assert t.numpy()[0] == 1.0
    u = minigrad.tensor(t)
    with minigrad.no_grad():
        u[1] = 50.0
    assert t.numpy()[1] == 2.0


def test_requires_grad_argument():
    t = minigrad.tensor([1.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad is None
    assert not minigrad.tensor([1.0]).requires_grad
    with pytest.raises(RuntimeError, match="floating"):
        minigrad.tensor([1, 2], requires_grad=True)


def test_ragged_data_is_refused():
    with pytest.raises(ValueError, match="minigrad.tensor"):
        minigrad.tensor([[1.0, 2.0], [3.0]])


# --------------------------------------------------------------------------- factories
@pytest.mark.parametrize("factory,fill", [(minigrad.zeros, 0.0), (minigrad.ones, 1.0)])
def test_zeros_ones(factory, fill, device):
    for t in (factory(2, 3, device=device), factory((2, 3), device=device)):
        assert t.shape == (2, 3) and t.dtype == np.float32 and not t.requires_grad
        assert t.device.startswith(device)
        np.testing.assert_array_equal(t.cpu().numpy(), np.full((2, 3), fill))
    t = factory(4, dtype="float64", requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad


def test_full():
    t = minigrad.full((2, 2), 7.5)
    np.testing.assert_array_equal(t.numpy(), [[7.5, 7.5], [7.5, 7.5]])
    assert t.dtype == np.float32
    assert minigrad.full(3, 2, dtype="int64").numpy().tolist() == [2, 2, 2]


def test_arange():
    t = minigrad.arange(5)
    assert t.dtype == np.int64 and t.numpy().tolist() == [0, 1, 2, 3, 4]
    assert minigrad.arange(2, 11, 3).numpy().tolist() == [2, 5, 8]
    f = minigrad.arange(0.0, 1.0, 0.25)
    assert f.dtype == np.float32
    np.testing.assert_allclose(f.numpy(), [0.0, 0.25, 0.5, 0.75])
    assert minigrad.arange(3, dtype="float64").dtype == np.float64


def test_rand_randn_shapes_and_ranges():
    u = minigrad.rand(1000)
    assert u.dtype == np.float32 and u.shape == (1000,)
    assert 0.0 <= u.numpy().min() and u.numpy().max() < 1.0
    assert abs(u.numpy().mean() - 0.5) < 0.05
    n = minigrad.randn(50, 40, dtype="float64")
    assert n.dtype == np.float64 and n.shape == (50, 40)
    assert abs(n.numpy().mean()) < 0.1 and abs(n.numpy().std() - 1.0) < 0.1


def test_zeros_like_ones_like(device):
    x = minigrad.randn(2, 3, dtype="float64", device=device)
    z, o = minigrad.zeros_like(x), minigrad.ones_like(x)
    for t, fill in ((z, 0.0), (o, 1.0)):
        assert t.shape == (2, 3) and t.dtype == np.float64 and t.device == x.device
        np.testing.assert_array_equal(t.cpu().numpy(), np.full((2, 3), fill))
    assert minigrad.zeros_like(x, dtype="float32").dtype == np.float32
    assert minigrad.ones_like(x, requires_grad=True).requires_grad


def test_negative_sizes_are_refused():
    with pytest.raises(ValueError, match="non-negative"):
        minigrad.zeros(2, -1)


def test_same_seed_same_numbers():
    minigrad.manual_seed(42)
    a = (minigrad.rand(4).numpy(), minigrad.randn(2, 3).numpy())
    minigrad.manual_seed(42)
    b = (minigrad.rand(4).numpy(), minigrad.randn(2, 3).numpy())
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    minigrad.manual_seed(43)
    assert not np.array_equal(minigrad.rand(4).numpy(), a[0])


def test_factories_draw_from_one_generator():
    minigrad.manual_seed(7)
    minigrad.rand(3)
    after_rand = minigrad.randn(3).numpy()
    minigrad.manual_seed(7)
    fresh = minigrad.randn(3).numpy()
    assert not np.array_equal(after_rand, fresh)  # rand moved the shared generator on
    minigrad.manual_seed(7)
    minigrad.rand(3)
    np.testing.assert_array_equal(minigrad.randn(3).numpy(), after_rand)


def test_manual_seed_refuses_bad_seeds():
    for bad in (-1, 1.5, "3", True):
        with pytest.raises(ValueError, match="manual_seed"):
            minigrad.manual_seed(bad)


# --------------------------------------------------------------------------- attributes
def test_attributes():
    t = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert isinstance(t.array, np.ndarray)
    np.testing.assert_array_equal(t.array, [[1, 2, 3], [4, 5, 6]])
    assert t.grad is None
    assert t.requires_grad is True
    assert t.shape == (2, 3) and isinstance(t.shape, tuple)
    assert t.dtype == minigrad.float32
    assert t.device == "cpu"
    assert t.ndim == 2 and t.dim() == 2
    assert t.numel() == 6 and len(t) == 2 and t.size() == (2, 3) and t.size(1) == 3


def test_data_is_a_tensor_sharing_memory_outside_the_graph():
    p = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = p.data
    assert isinstance(d, minigrad.Tensor) and not d.requires_grad and d.is_leaf
    assert d.array is p.array  # the same memory
    d.mul_(2)                  # allowed: autograd does not see it (PyTorch's meaning)
    np.testing.assert_array_equal(p.detach().numpy(), [2, 4, 6])
    p.data = minigrad.tensor([[5.0, 6.0]])  # any shape, as in PyTorch
    assert p.shape == (1, 2) and p.requires_grad


def test_a_hand_written_sgd_loop_as_pytorch_code_writes_it(torch):
    """p.data.add_(p.grad, alpha=-lr) and p.grad.data.zero_(), the idiom of many
    tutorials, give PyTorch's numbers."""
    rng = np.random.default_rng(0)
    w0, x0 = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
    ours = minigrad.tensor(w0, requires_grad=True, dtype="float64")
    theirs = torch.tensor(w0, requires_grad=True)
    for _ in range(3):
        for w, x in ((ours, minigrad.tensor(x0, dtype="float64")), (theirs, torch.tensor(x0))):
            ((x @ w).tanh() ** 2).sum().backward()
            w.data.add_(w.grad, alpha=-0.1)
            w.grad.data.zero_()
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    np.testing.assert_array_equal(ours.grad.numpy(), 0)


def test_the_deprecated_add_number_tensor_form_adds_rather_than_corrupts():
    p = minigrad.tensor([1.0, 1.0])
    g = minigrad.tensor([2.0, 4.0])
    with pytest.warns(DeprecationWarning, match="alpha=number"):
        p.add_(-0.5, g)   # PyTorch's old add_(value, other): p += value * other
    np.testing.assert_array_equal(p.numpy(), [0.0, -1.0])
    with pytest.raises(TypeError, match="alpha must be a number"):
        p.add_(g, alpha=g)


def test_numpy():
    t = minigrad.tensor([1.0, 2.0])
    out = t.numpy()
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_array_equal(out, [1.0, 2.0])
    g = minigrad.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\)"):
        g.numpy()
    np.testing.assert_array_equal(g.detach().numpy(), [1.0])


def test_item():
    assert minigrad.tensor(2.5).item() == 2.5 and isinstance(minigrad.tensor(2.5).item(), float)
    assert minigrad.tensor([[7]]).item() == 7 and isinstance(minigrad.tensor([[7]]).item(), int)
    assert minigrad.tensor([1.0, 2.0], requires_grad=True).sum().item() == 3.0
    with pytest.raises(ValueError, match=r"one element.*\(2,\)"):
        minigrad.tensor([1.0, 2.0]).item()


def test_detach_shares_values_but_not_the_graph():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).detach()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    np.testing.assert_array_equal(y.numpy(), [2.0, 4.0])
    d = x.detach()
    with minigrad.no_grad():
        x[0] = 9.0
    assert d.numpy()[0] == 9.0  # like torch: the same storage


def test_to_cpu_and_dtype():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x
    y = x.to(minigrad.float64)
    assert y.dtype == np.float64 and y.requires_grad
    z = x.to("cpu", dtype="float64")
    assert z.dtype == np.float64 and z.device == "cpu"
    assert x.double().dtype == np.float64 and x.float().dtype == np.float32


def test_to_device_round_trip_keeps_the_gradient(device):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(device)
    assert y.device.startswith(device)
    (y * y).sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


# --------------------------------------------------------------------------- repr
def test_repr():
    assert repr(minigrad.tensor([1.0, 2.0, 3.0])) == "tensor([1., 2., 3.])"
    assert repr(minigrad.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(minigrad.tensor([1.0, 2.0], requires_grad=True)) == \
        "tensor([1., 2.], requires_grad=True)"
    assert repr(minigrad.tensor([1.0], dtype="float64")) == "tensor([1.], dtype=minigrad.float64)"
    y = minigrad.tensor([1.0], requires_grad=True) * 2
    assert repr(y).startswith("tensor([2.], grad_fn=<") and "mul" in repr(y)


def test_repr_like_torch(torch):
    cases = [([1.0, 2.0, 3.0], {}), ([1, 2], {}), ([[1.0, 2.0], [3.0, 4.0]], {}),
             ([1.0, 2.0], {"requires_grad": True}), ([2.0], {"dtype": "float64"})]
    for data, kwargs in cases:
        torch_kwargs = {**kwargs, "dtype": getattr(torch, kwargs["dtype"])} if "dtype" in kwargs \
            else kwargs
        ours = repr(minigrad.tensor(data, **kwargs))
        theirs = repr(torch.tensor(data, **torch_kwargs)).replace("torch.", "minigrad.")
        assert ours == theirs


# --------------------------------------------------------------------------- error messages
def test_matmul_shape_error_names_both_shapes():
    a, b = minigrad.zeros(3, 4), minigrad.zeros(5, 2)
    with pytest.raises(ValueError) as info:
        a @ b
    assert "(3, 4)" in str(info.value) and "(5, 2)" in str(info.value)
    with pytest.raises(ValueError, match=r"\(2, 3, 4\).*\(3, 4, 2\)"):
        minigrad.zeros(2, 3, 4) @ minigrad.zeros(3, 4, 2)
    with pytest.raises(ValueError, match="at least 1 dimension"):
        minigrad.tensor(2.0) @ minigrad.zeros(2)


def test_broadcast_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        minigrad.zeros(2, 3) + minigrad.zeros(4)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2,\)"):
        minigrad.maximum(minigrad.zeros(2, 3), minigrad.zeros(2))


def test_shape_op_errors():
    x = minigrad.zeros(2, 3)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 2\)"):
        x.reshape(4, 2)
    with pytest.raises(IndexError, match="dimension out of range"):
        x.sum(dim=2)
    with pytest.raises(ValueError, match="permute"):
        x.permute(0, 0)
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        x[5]
    with pytest.raises(ValueError, match="cat"):
        minigrad.cat([x, minigrad.zeros(2, 4)], dim=0)
    with pytest.raises(ValueError, match="same shape"):
        minigrad.stack([x, minigrad.zeros(3, 2)])
    with pytest.raises(ValueError, match="do not add up"):
        x.split([1, 1], dim=1)
    with pytest.raises(ValueError, match="expand"):
        x.expand(4, 3)


def test_truth_value_of_many_elements_is_ambiguous():
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(minigrad.tensor([1.0, 2.0]))
    assert bool(minigrad.tensor([1.0]))


@pytest.mark.skipif(HAS_CUPY, reason="CuPy is installed")
def test_cuda_without_cupy_names_the_package():
    with pytest.raises(RuntimeError, match="(?i)cupy.*pip install cupy"):
        minigrad.tensor([1.0], device="cuda")


def test_the_tensor_class_called_with_data_makes_floats_as_torch_tensor_does(torch):
    for data in ([0], [[1, 2], [3, 4]], [2.5], [True, False]):
        ours, theirs = minigrad.Tensor(data), torch.Tensor(data)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert minigrad.Tensor(np.arange(3)).dtype == np.int64  # an array keeps its dtype


def test_detach__cuts_the_tensor_itself_from_the_graph(torch):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    assert y.detach_() is y and y.is_leaf and not y.requires_grad and y.grad_fn is None
    np.testing.assert_array_equal(y.numpy(), [3.0, 6.0])
    t = torch.tensor([1.0], requires_grad=True)
    assert x.detach_().requires_grad == t.detach_().requires_grad == False  # noqa: E712
