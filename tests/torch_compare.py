"""One helper for the Tensor API tests: run the same code on minigrad and on PyTorch and
compare everything that comes out, named tuples included, and the gradients."""
import numpy as np

import minigrad


def outputs(result):
    """The tensors in ``result``: a tensor, or a (named) tuple or list of them."""
    return list(result) if isinstance(result, (tuple, list)) else [result]


def compare_with_torch(torch, fn, *arrays, torch_fn=None, seed=0, rtol=1e-12, atol=1e-12):
    """``fn(lib, *tensors)`` on minigrad and on torch (``torch_fn`` when the spelling
    differs), from the same arrays; floating-point arrays become leaves that require grad.

    Checks: the same kind of result (a named tuple's name and fields too), and for each
    output tensor its shape, dtype, values and whether it requires grad; then the gradients
    of L = Σ_k Σ output_k ⊙ r_k (r_k random) with respect to every leaf.
    Returns minigrad's result.
    """
    arrays = [np.asarray(a) for a in arrays]
    ours = [minigrad.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    result = fn(minigrad, *ours)
    expected = (torch_fn or fn)(torch, *theirs)
    if isinstance(expected, tuple) and hasattr(expected, "indices"):  # torch.return_types.max
        assert type(result).__name__ == type(expected).__name__
        assert result._fields == ("values", "indices")
        assert result.values is result[0] and result.indices is result[1]
    outs, touts = outputs(result), outputs(expected)
    assert len(outs) == len(touts)

    rng = np.random.default_rng(seed)
    loss = theirs_loss = None
    for i, (out, tout) in enumerate(zip(outs, touts)):
        assert out.shape == tuple(tout.shape), f"output {i}"
        assert f"torch.{out.dtype.name}" == str(tout.dtype), f"output {i}"
        if out.dtype.kind == "f":
            np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=rtol,
                                       atol=atol, err_msg=f"output {i}")
        else:
            np.testing.assert_array_equal(out.numpy(), tout.numpy(), err_msg=f"output {i}")
        assert out.requires_grad == tout.requires_grad, f"output {i}"
        if out.requires_grad:
            r = rng.standard_normal(out.shape)
            term, theirs_term = (out * minigrad.tensor(r)).sum(), (tout * torch.tensor(r)).sum()
            loss = term if loss is None else loss + term
            theirs_loss = theirs_term if theirs_loss is None else theirs_loss + theirs_term
    if loss is not None:
        loss.backward()
        theirs_loss.backward()
    for i, (x, t) in enumerate(zip(ours, theirs)):
        if t.grad is not None:
            assert x.grad is not None, f"input {i} got no gradient"
            assert x.grad.dtype == x.dtype
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12,
                                       err_msg=f"gradient of input {i}")
        else:
            assert x.grad is None, f"input {i} got a gradient, but not in torch"
    return result
