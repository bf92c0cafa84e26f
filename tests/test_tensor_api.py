"""The parts of PyTorch's Tensor and top-level API that textbook RNN code uses, against
PyTorch: dtypes and tensor types, NumPy interop, new_* and the shape methods, in-place
shape changes, NumPy's axis= and keepdims=, and the functions imported by name (sin,
tril, eye, bmm, linspace, meshgrid, normal, randint, repeat, concat, ...)."""
import numpy as np
import pytest

import minigrad
from torch_compare import compare_with_torch

RNG = np.random.default_rng(11)
X = RNG.standard_normal((2, 3, 4))
M = RNG.standard_normal((4, 5))


# --------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("name", ["float", "double", "half", "long", "int", "bool", "float32",
                                  "float64", "float16", "int64", "int32", "int16", "int8",
                                  "uint8"])
def test_dtype_names_mean_what_they_mean_in_torch(torch, name):
    assert f"torch.{getattr(minigrad, name).name}" == str(getattr(torch, name))
    made = minigrad.zeros(2, dtype=getattr(minigrad, name))
    assert f"torch.{made.dtype.name}" == str(torch.zeros(2, dtype=getattr(torch, name)).dtype)


def test_the_builtins_keep_working_inside_minigrad():
    """minigrad.float and minigrad.int are dtypes; they must not leak into the modules."""
    from minigrad import dtypes
    assert not hasattr(dtypes, "float") and not hasattr(dtypes, "int")
    assert minigrad.tensor([1, 2]).float().dtype == np.float32


@pytest.mark.parametrize("method", ["float", "double", "half", "long", "int", "bool"])
def test_conversion_methods_like_torch(torch, method):
    data = np.array([[0.0, 1.5], [-2.0, 3.0]])
    out = getattr(minigrad.tensor(data), method)()
    expected = getattr(torch.tensor(data), method)()
    assert f"torch.{out.dtype.name}" == str(expected.dtype)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "int16",
                                   "int8", "uint8", "bool"])
def test_type_names_like_torch(torch, dtype):
    ours, theirs = minigrad.zeros(2, dtype=dtype), torch.zeros(2, dtype=getattr(torch, dtype))
    assert ours.type() == theirs.type().replace("torch.", "minigrad.")
    tensor_type = getattr(minigrad, ours.type().split(".")[1])  # minigrad.FloatTensor, ...
    assert tensor_type.dtype == ours.dtype and isinstance(ours, tensor_type)


def test_type_converts_like_torch(torch):
    x = minigrad.tensor([[1.7, -2.2]])
    for target in (minigrad.LongTensor, "minigrad.LongTensor", "torch.LongTensor", minigrad.long,
                   "int64"):
        out = x.type(target)
        assert out.dtype == np.int64 and out.tolist() == torch.tensor([[1.7, -2.2]]).long().tolist()
    assert x.type(minigrad.float32) is x  # nothing to change: the tensor itself, as torch
    assert x.type(minigrad.DoubleTensor).type() == "minigrad.DoubleTensor"


def test_type_refuses_unknown_names():
    with pytest.raises(TypeError, match="unknown dtype"):
        minigrad.zeros(2).type("minigrad.NoSuchTensor")


@pytest.mark.parametrize("make", [
    lambda lib: lib.LongTensor([1, 2, 3]),
    lambda lib: lib.LongTensor([[1, 2], [3, 4]]),
    lambda lib: lib.FloatTensor([1, 2]),
    lambda lib: lib.FloatTensor([[0.5], [1.5]]),
    lambda lib: lib.DoubleTensor([0.1]),
    lambda lib: lib.BoolTensor([True, False]),
    lambda lib: lib.IntTensor([7]),
    lambda lib: lib.ByteTensor([1, 255]),
    lambda lib: lib.LongTensor((2, 3)),  # a tuple is data, as in torch
    lambda lib: lib.FloatTensor(np.array([1.0, 2.0], dtype=np.float32)),
], ids=["long", "long-2d", "float-from-ints", "float-2d", "double", "bool", "int", "byte",
        "tuple-is-data", "from-array"])
def test_tensor_type_constructors_from_data_like_torch(torch, make):
    ours, theirs = make(minigrad), make(torch)
    assert f"torch.{ours.dtype.name}" == str(theirs.dtype) and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("sizes", [(), (3,), (2, 3)])
def test_tensor_type_constructors_from_sizes_like_torch(torch, sizes):
    for name in ("LongTensor", "FloatTensor"):
        ours, theirs = getattr(minigrad, name)(*sizes), getattr(torch, name)(*sizes)
        assert ours.shape == tuple(theirs.shape) and f"torch.{ours.dtype.name}" == str(theirs.dtype)
        assert (ours.numpy() == 0).all()  # torch leaves them undefined; minigrad gives zeros


def test_isinstance_with_tensor_types():
    assert isinstance(minigrad.tensor([1, 2]), minigrad.LongTensor)
    assert not isinstance(minigrad.tensor([1.0]), minigrad.LongTensor)
    assert isinstance(minigrad.tensor([1.0]), minigrad.FloatTensor)
    assert not isinstance([1.0], minigrad.FloatTensor)
    with pytest.raises(TypeError, match="data .* or sizes"):
        minigrad.LongTensor([1], [2])


# --------------------------------------------------------------------------- __index__
def test_one_element_integer_tensors_are_indices(torch):
    letters = "abcdef"
    for value in (minigrad.tensor(3), minigrad.tensor([[3]]), minigrad.tensor([3]).int()):
        assert letters[value] == letters[torch.tensor(3)] == "d"
        assert list(range(10))[value] == 3 and len(range(value)) == 3
    assert [10, 20][minigrad.tensor(True)] == [10, 20][torch.tensor(True)] == 20


@pytest.mark.parametrize("value", [minigrad.tensor(1.0), minigrad.tensor([1, 2])])
def test_other_tensors_are_not_indices(torch, value):
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        "abc"[value]
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        "abc"[torch.tensor(value.numpy())]


# --------------------------------------------------------------------------- NumPy
def test_from_numpy_shares_memory_and_keeps_the_dtype(torch):
    array = np.arange(6.0).reshape(2, 3)
    t = minigrad.from_numpy(array)
    assert t.dtype == torch.from_numpy(array).numpy().dtype == np.float64
    array[0, 0] = 42.0
    assert t[0, 0].item() == 42.0
    t[1, 2] = -1.0
    assert array[1, 2] == -1.0
    assert minigrad.from_numpy(np.array([1, 2], dtype=np.int32)).dtype == np.int32


def test_from_numpy_refuses_what_is_not_an_array():
    with pytest.raises(TypeError, match="expected a numpy.ndarray, got list"):
        minigrad.from_numpy([1.0, 2.0])
    with pytest.raises(TypeError, match="dtype"):
        minigrad.from_numpy(np.array(["a"]))


def test_numpy_asarray_of_a_tensor(torch):
    t = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    array = np.asarray(t)
    assert isinstance(array, np.ndarray) and array.dtype == np.float32
    np.testing.assert_array_equal(array, np.asarray(torch.tensor([[1.0, 2.0], [3.0, 4.0]])))
    assert np.shares_memory(array, t.array)  # a view, as torch's on the CPU
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    copied = np.array(t, copy=True)
    copied[0, 0] = 9.0
    assert t[0, 0].item() == 1.0
    assert np.allclose(t, [[1, 2], [3, 4]])  # NumPy functions take tensors


def test_numpy_asarray_refuses_a_tensor_that_requires_grad_like_torch(torch):
    t = minigrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad.*detach"):
        np.asarray(t)
    with pytest.raises(RuntimeError, match="requires grad.*detach"):
        np.asarray(torch.tensor([1.0, 2.0], requires_grad=True))
    np.testing.assert_array_equal(np.asarray(t.detach()), [1.0, 2.0])
    with minigrad.no_grad():
        np.testing.assert_array_equal(np.asarray(t), [1.0, 2.0])


def test_numpy_arrays_on_the_left_of_an_operator_still_give_tensors():
    out = np.ones(2) * minigrad.tensor([1.0, 2.0], requires_grad=True)
    assert isinstance(out, minigrad.Tensor) and out.requires_grad


# --------------------------------------------------------------------------- new_*
@pytest.mark.parametrize("make", [
    lambda x: x.new_zeros(2, 3), lambda x: x.new_zeros((2, 3)), lambda x: x.new_ones(4),
    lambda x: x.new_ones((1, 2)),
    lambda x: x.new_full((2,), 3), lambda x: x.new_full((2, 2), 1.5),
    lambda x: x.new_tensor([1, 2]), lambda x: x.new_tensor([[0.25]]),
    lambda x: x.new_empty(3).zero_(),
], ids=["zeros", "zeros-tuple", "ones", "ones-tuple", "full-int", "full", "tensor-ints",
        "tensor", "empty"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_new_tensors_take_the_dtype_and_device_like_torch(torch, make, dtype):
    ours = make(minigrad.zeros(1, dtype=dtype))
    theirs = make(torch.zeros(1, dtype=getattr(torch, dtype)))
    assert f"torch.{ours.dtype.name}" == str(theirs.dtype) and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.device == "cpu" and ours.is_leaf and not ours.requires_grad


def test_new_tensors_take_dtype_and_requires_grad_when_told():
    x = minigrad.zeros(2, dtype="int64")
    y = x.new_zeros(2, dtype=minigrad.float64, requires_grad=True)
    assert y.dtype == np.float64 and y.requires_grad
    assert x.new_tensor([1.9]).tolist() == [1]  # x's dtype, as in torch


# --------------------------------------------------------------------------- shape methods
@pytest.mark.parametrize("fn", [
    lambda lib, x: x.narrow(1, 0, 2), lambda lib, x: x.narrow(2, -3, 3),
    lambda lib, x: lib.narrow(x, 0, 1, 1), lambda lib, x: x.narrow(1, 3, 0),
    lambda lib, x: x[0].t(), lambda lib, x: lib.t(x[0]), lambda lib, x: x[0, 0].t(),
    lambda lib, x: x.swapaxes(0, 2), lambda lib, x: lib.swapaxes(x, 1, -1),
    lambda lib, x: x.swapdims(0, 1), lambda lib, x: lib.swapdims(x, 2, 0),
    lambda lib, x: x.view_as(lib.zeros(6, 4)), lambda lib, x: x.reshape_as(lib.zeros(4, 6)),
    lambda lib, x: x[:, :1].expand_as(x), lambda lib, x: x.clone(),
    lambda lib, x: x.contiguous(), lambda lib, x: lib.clone(x).transpose(0, 1).contiguous(),
], ids=["narrow", "narrow-negative", "narrow-function", "narrow-empty", "t", "t-function",
        "t-1d", "swapaxes", "swapaxes-function", "swapdims", "swapdims-function", "view_as",
        "reshape_as", "expand_as", "clone", "contiguous", "contiguous-of-transpose"])
def test_shape_methods_like_torch(torch, fn):
    compare_with_torch(torch, fn, X)


def test_shape_methods_refuse_bad_arguments():
    x = minigrad.tensor(X)
    with pytest.raises(ValueError, match="start 2 \\+ length 2 does not fit.*size 3"):
        x.narrow(1, 2, 2)
    with pytest.raises(IndexError, match="start 5 is out of range"):
        x.narrow(1, 5, 0)
    with pytest.raises(ValueError, match="t\\(\\) expects a tensor with at most 2 dimensions"):
        x.t()


@pytest.mark.parametrize("change", [
    lambda x: x.unsqueeze_(0), lambda x: x.unsqueeze_(-1), lambda x: x[:, :1].squeeze_(),
    lambda x: x[:, :1].squeeze_(1), lambda x: x[:, :1].squeeze_(0), lambda x: x[0].t_(),
], ids=["unsqueeze_", "unsqueeze_-negative", "squeeze_", "squeeze_-dim", "squeeze_-kept", "t_"])
def test_shape_changes_in_place_like_torch(torch, change):
    ours, theirs = minigrad.tensor(X), torch.tensor(X)
    out, expected = change(ours), change(theirs)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_shape_changes_in_place_return_the_tensor_itself():
    x = minigrad.zeros(2, 3)
    assert x.unsqueeze_(0) is x and x.shape == (1, 2, 3)
    assert x.squeeze_() is x and x.shape == (2, 3)
    assert x.t_() is x and x.shape == (3, 2)


@pytest.mark.parametrize("change", [lambda x: x.unsqueeze_(0), lambda x: x.squeeze_(),
                                    lambda x: x.t_()])
def test_shape_changes_in_place_are_refused_while_recording_gradients(torch, change):
    x = minigrad.zeros(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="can't be changed in place"):
        change(x)
    with pytest.raises(RuntimeError, match="in-place"):
        change(torch.zeros(2, 3, requires_grad=True))
    assert x.shape == (2, 3)
    with minigrad.no_grad():
        change(x)
    y = minigrad.zeros(2, 3, requires_grad=True) * 2  # in a graph
    with pytest.raises(RuntimeError, match="a tensor in a graph"):
        change(y)


def test_a_shape_change_in_place_after_use_is_caught_by_backward():
    w = minigrad.tensor([[1.0, 2.0]], requires_grad=True)
    x = minigrad.tensor([[3.0, 4.0]])
    y = (w * x).sum()
    x.t_()  # x does not require grad, so this is allowed; but mul saved it
    with pytest.raises(RuntimeError, match="changed in place after it was used"):
        y.backward()


# --------------------------------------------------------------------------- axis= and keepdims=
AXIS_CASES = {
    "sum": lambda lib, x: x.sum(axis=1), "sum-function": lambda lib, x: lib.sum(x, axis=-1),
    "sum-keepdims": lambda lib, x: x.sum(axis=(0, 2), keepdims=True),
    "mean": lambda lib, x: x.mean(axis=0), "mean-keepdims": lambda lib, x: lib.mean(
        x, axis=2, keepdims=True),
    "var": lambda lib, x: x.var(axis=1), "var-keepdims": lambda lib, x: lib.var(x, axis=1,
                                                                                keepdims=True),
    "max": lambda lib, x: x.max(axis=1), "max-keepdims": lambda lib, x: lib.max(x, axis=2,
                                                                                keepdims=True),
    "min": lambda lib, x: lib.min(x, axis=0), "amax": lambda lib, x: x.amax(axis=(0, 1)),
    "amin": lambda lib, x: lib.amin(x, axis=1, keepdims=True),
    "argmax": lambda lib, x: x.argmax(axis=2), "argmax-keepdims": lambda lib, x: lib.argmax(
        x, axis=1, keepdims=True),
    "argmin": lambda lib, x: lib.argmin(x, axis=0),
    "logsumexp": lambda lib, x: x.logsumexp(axis=1, keepdims=True),
    "softmax": lambda lib, x: x.softmax(axis=0), "log_softmax": lambda lib, x: lib.log_softmax(
        x, axis=1),
    "cat": lambda lib, x: lib.cat([x, x * 2], axis=1),
    "concat": lambda lib, x: lib.concat([x, x], axis=2),
    "concatenate": lambda lib, x: lib.concatenate([x, x], axis=0),
    "stack": lambda lib, x: lib.stack([x, x * 3], axis=-1),
    "squeeze": lambda lib, x: x[:, :1].squeeze(axis=1),
    "unsqueeze": lambda lib, x: lib.unsqueeze(x, axis=1),
    "chunk": lambda lib, x: x.chunk(2, axis=2),
    "sort": lambda lib, x: x.sort(axis=1, descending=True),
    "argsort": lambda lib, x: x.argsort(axis=0),
    "topk": lambda lib, x: lib.topk(x, 2, axis=1),
    "narrow": lambda lib, x: x.narrow(axis=2, start=1, length=2),
    "repeat_interleave": lambda lib, x: x.repeat_interleave(2, axis=1),
}


@pytest.mark.parametrize("name", AXIS_CASES)
def test_numpy_names_axis_and_keepdims_like_torch(torch, name):
    compare_with_torch(torch, AXIS_CASES[name], X)


def test_dim_and_axis_together_are_refused():
    with pytest.raises(TypeError, match="both dim= and axis="):
        minigrad.tensor(X).sum(dim=0, axis=1)
    with pytest.raises(TypeError, match="both keepdim= and keepdims="):
        minigrad.tensor(X).mean(0, keepdim=True, keepdims=True)


def test_numpy_names_keep_the_signature_and_docstring():
    import inspect
    assert list(inspect.signature(minigrad.sum).parameters) == ["x", "dim", "keepdim"]
    assert minigrad.sum.__name__ == "sum" and "Σ x" in minigrad.sum.__doc__


# --------------------------------------------------------------------------- functions by name
DIFFERENTIABLE = {
    "sin": (lambda lib, x: lib.sin(x), X), "cos": (lambda lib, x: x.cos(), X),
    "sinh": (lambda lib, x: x.sinh(), X), "cosh": (lambda lib, x: lib.cosh(x), X),
    "tril": (lambda lib, x: lib.tril(x), M), "tril-diagonal": (lambda lib, x: x.tril(-1), M),
    "tril-batched": (lambda lib, x: lib.tril(x, 2), X),
    "triu": (lambda lib, x: x.triu(), M), "triu-diagonal": (lambda lib, x: lib.triu(x, 1), X),
    "triu-negative": (lambda lib, x: x.triu(diagonal=-2), M),
    "repeat": (lambda lib, x: x.repeat(2, 1, 3), X),
    "repeat-more-dims": (lambda lib, x: x.repeat(2, 1, 1, 2), X),
    "repeat-ones": (lambda lib, x: x.repeat(1, 1, 1), X),
    "repeat-tuple": (lambda lib, x: x.repeat((3, 2)), M),
    "repeat_interleave": (lambda lib, x: x.repeat_interleave(2), M),
    "repeat_interleave-dim": (lambda lib, x: lib.repeat_interleave(x, 3, dim=0), M),
    "repeat_interleave-counts": (lambda lib, x: x.repeat_interleave(
        lib.tensor([1, 0, 2, 3]), dim=0), M),
    "concat": (lambda lib, x: lib.concat([x, x], dim=1), M),
}


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_differentiable_functions_like_torch(torch, name):
    fn, data = DIFFERENTIABLE[name]
    compare_with_torch(torch, fn, data)


@pytest.mark.parametrize("name", ["sin", "cos", "sinh", "cosh", "tril-batched", "triu-diagonal",
                                  "repeat-more-dims", "repeat_interleave-counts"])
def test_gradcheck_of_the_new_ops(name):
    fn, data = DIFFERENTIABLE[name]
    assert minigrad.gradcheck(lambda x: fn(minigrad, x), [minigrad.tensor(data,
                                                                         requires_grad=True)])


def test_bmm_and_matmul_like_torch(torch):
    a, b = RNG.standard_normal((3, 2, 4)), RNG.standard_normal((3, 4, 5))
    compare_with_torch(torch, lambda lib, x, y: lib.bmm(x, y), a, b, rtol=1e-10)
    compare_with_torch(torch, lambda lib, x, y: x.bmm(y), a, b, rtol=1e-10)
    compare_with_torch(torch, lambda lib, x, y: lib.matmul(x, y), a, b, rtol=1e-10)


def test_bmm_refuses_what_torch_refuses():
    with pytest.raises(ValueError, match="two 3-D tensors"):
        minigrad.bmm(minigrad.zeros(2, 3), minigrad.zeros(3, 2))
    with pytest.raises(ValueError, match="batch sizes"):
        minigrad.bmm(minigrad.zeros(2, 3, 4), minigrad.zeros(3, 4, 2))


def test_tril_triu_refuse_vectors():
    with pytest.raises(ValueError, match="tril: expected a matrix"):
        minigrad.tril(minigrad.zeros(3))


def test_repeat_refuses_too_few_sizes():
    with pytest.raises(ValueError, match="fewer sizes than the 3 dimensions"):
        minigrad.tensor(X).repeat(2, 2)
    with pytest.raises(ValueError, match="repeats must be a non-negative int"):
        minigrad.tensor(M).repeat_interleave(minigrad.tensor([1, 2]), dim=0)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("sizes", [(3, 4), (2, 3, 4), (5,)])
def test_meshgrid_like_torch(torch, indexing, sizes):
    arrays = [RNG.standard_normal(n) for n in sizes]
    compare_with_torch(torch, lambda lib, *xs: lib.meshgrid(*xs, indexing=indexing), *arrays)
    compare_with_torch(torch, lambda lib, *xs: lib.meshgrid(list(xs), indexing=indexing),
                       *arrays)
    with pytest.raises(ValueError, match="indexing must be 'ij' or 'xy'"):
        minigrad.meshgrid(minigrad.zeros(2), indexing="ji")


@pytest.mark.parametrize("make", [
    lambda lib: lib.eye(3), lambda lib: lib.eye(2, 4), lambda lib: lib.eye(3, dtype=lib.long),
    lambda lib: lib.linspace(0, 1, 5), lambda lib: lib.linspace(-2.5, 10, 7),
    lambda lib: lib.linspace(3, 3, 1), lambda lib: lib.linspace(0, 1, 4, dtype=lib.float64),
    lambda lib: lib.empty(2, 3).zero_(), lambda lib: lib.empty((4,), dtype=lib.int64).zero_(),
], ids=["eye", "eye-rectangular", "eye-long", "linspace", "linspace-wide", "linspace-one",
        "linspace-double", "empty", "empty-long"])
def test_factories_like_torch(torch, make):
    ours, theirs = make(minigrad), make(torch)
    assert f"torch.{ours.dtype.name}" == str(theirs.dtype) and ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)


def test_randint_forms_ranges_and_dtype(torch):
    for call in (lambda lib: lib.randint(10, (3, 4)), lambda lib: lib.randint(5, 9, (200,)),
                 lambda lib: lib.randint(high=4, size=(50,)), lambda lib: lib.randint(7, size=(2,)),
                 lambda lib: lib.randint(low=-3, high=0, size=(30,))):
        ours, theirs = call(minigrad), call(torch)
        assert ours.shape == tuple(theirs.shape) and ours.dtype == np.int64
        assert str(theirs.dtype) == "torch.int64"
    values = minigrad.randint(5, 9, (2000,)).numpy()
    assert set(values.tolist()) == {5, 6, 7, 8}  # every value, and nothing outside [5, 9)
    minigrad.manual_seed(3)
    first = minigrad.randint(100, (10,)).tolist()
    minigrad.manual_seed(3)
    assert minigrad.randint(100, (10,)).tolist() == first
    with pytest.raises(ValueError, match="high must be greater than low"):
        minigrad.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="size given as a tuple"):
        minigrad.randint(5)


def test_normal_forms_and_statistics(torch):
    samples = minigrad.normal(2.0, 3.0, (20000,))
    assert samples.dtype == np.float32 and samples.shape == (20000,)
    assert abs(samples.numpy().mean() - 2.0) < 0.1 and abs(samples.numpy().std() - 3.0) < 0.1
    mean = minigrad.tensor(np.full((400, 3), [-5.0, 0.0, 5.0]))
    drawn = minigrad.normal(mean, 0.5).numpy()
    assert drawn.shape == (400, 3) and drawn.dtype == np.float64
    np.testing.assert_allclose(drawn.mean(axis=0), [-5.0, 0.0, 5.0], atol=0.1)
    assert minigrad.normal(0.0, minigrad.ones(4)).shape == (4,)
    with pytest.raises(TypeError, match="needs a size"):
        minigrad.normal(0.0, 1.0)
    with pytest.raises(ValueError, match="std must be >= 0"):
        minigrad.normal(0.0, -1.0, (2,))


def test_normal_gives_zero_gradients_to_mean_and_std_like_torch(torch):
    ours = [minigrad.zeros(3, requires_grad=True), minigrad.ones(3, requires_grad=True)]
    theirs = [torch.zeros(3, requires_grad=True), torch.ones(3, requires_grad=True)]
    out, expected = minigrad.normal(*ours), torch.normal(*theirs)
    assert out.requires_grad and expected.requires_grad
    (out * 2).sum().backward()
    (expected * 2).sum().backward()
    for x, t in zip(ours, theirs):
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
