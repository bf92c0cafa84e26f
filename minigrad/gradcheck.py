"""Checking analytic gradients against numerical ones (central differences).

For a function f of tensors, the gradient of  L = Σ f(x) ⊙ r  (r a fixed random tensor)
is computed twice: by ``backward()``, and element by element as

    dL/dx_i ≈ (L(x + eps·e_i) - L(x - eps·e_i)) / (2·eps)

A mismatch beyond ``atol + rtol·|numerical|`` means the op's backward is wrong.
Use float64 inputs: in float32 the differences drown in rounding.
"""
import warnings

import numpy

from . import backend, grad_mode
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when analytic and numerical gradients disagree."""


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """True when ``fn``'s gradients agree with central differences for every input
    that requires grad; otherwise raise ``GradcheckError`` naming the input and its worst
    element (or return False with ``raise_exception=False``)."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True, so there is nothing to check")
    for i in checked:
        if inputs[i].dtype != numpy.float64:
            warnings.warn(f"gradcheck: input {i} is {inputs[i].dtype}, not float64; "
                          f"numerical gradients will be inaccurate", stacklevel=2)

    outputs = fn(*inputs)
    projections = _random_projections(outputs, seed)
    imprecise = _imprecise(inputs, checked, outputs)

    def objective():
        return _project(fn(*inputs), projections)

    for i in checked:
        inputs[i].grad = None
    loss = objective()
    loss.backward()
    for i in checked:
        x = inputs[i]
        analytic = backend.to_numpy(x.grad.array) if x.grad is not None else numpy.zeros(x.shape)
        numerical = _numerical_gradient(objective, x, eps)
        error = numpy.abs(analytic - numerical)
        allowed = atol + rtol * numpy.abs(numerical)
        if numpy.all(error <= allowed):
            continue
        worst = numpy.unravel_index(numpy.argmax(error - allowed), x.shape) if x.shape else ()
        message = (f"gradcheck: gradient of input {i} (shape {x.shape}) is wrong; worst element "
                   f"{tuple(int(k) for k in worst)}: analytic {analytic[worst]:.6g}, "
                   f"numerical {numerical[worst]:.6g} (|diff| {error[worst]:.3g} > "
                   f"atol + rtol*|numerical| = {allowed[worst]:.3g})")
        if imprecise:
            message = (f"gradcheck: {imprecise}, so the numerical gradient is not precise "
                       f"enough to check against: central differences with eps={eps} drown "
                       f"in its rounding (float32 keeps about 7 digits). Give float64 inputs "
                       f"(x.double()) and a float64 function (model.double()). "
                       f"The mismatch: " + message[len("gradcheck: "):])
        if raise_exception:
            raise GradcheckError(message)
        return False
    return True


def _imprecise(inputs, checked, outputs):
    """What is computed in less than float64 (an input or an output), or ""."""
    for i in checked:
        if inputs[i].dtype != numpy.float64:
            return f"input {i} is {inputs[i].dtype}"
    for k, out in enumerate(outputs if isinstance(outputs, (tuple, list)) else (outputs,)):
        if isinstance(out, Tensor) and out.dtype != numpy.float64:
            return f"the function's output {k} is {out.dtype} (although its inputs are float64)"
    return ""


def _random_projections(outputs, seed):
    rng = numpy.random.default_rng(seed)
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    return [rng.standard_normal(o.shape) for o in outputs]


def _project(outputs, projections):
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    total = 0
    for out, r in zip(outputs, projections):
        total = total + (out * Tensor(backend.to_device(r.astype(out.dtype), out.device))).sum()
    return total


def _numerical_gradient(objective, x, eps):
    """dL/dx by central differences, perturbing x's own array one element at a time (and
    putting each element back), so that x keeps its shape, layout and memory."""
    grad = numpy.zeros(x.shape)
    with grad_mode.no_grad():
        for k in numpy.ndindex(*x.shape):  # one empty index for a 0-d tensor
            original = x.array[k].item()
            x.array[k] = original + eps
            plus = objective().item()
            x.array[k] = original - eps
            minus = objective().item()
            x.array[k] = original
            grad[k] = (plus - minus) / (2 * eps)
    return grad
