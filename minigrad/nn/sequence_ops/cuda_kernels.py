"""On the GPU, each step's element-wise work as one CUDA kernel (with CuPy).

On NumPy the fused ops make a dozen in-place calls per step; on CuPy each of those would
be a kernel launch of its own, so the LSTM's and GRU's steps are written here as one
``cupy.ElementwiseKernel`` each, over the (batch, H) units of a step: thread (b, j) reads
the four (or three) gate pre-activations of unit j from its row and writes the
activations back in place, exactly as the NumPy code does. The matrix products stay
cuBLAS calls. The kernels are compiled on first use; ``available(xp)`` says whether they
apply (CuPy arrays), and the ops fall back to the NumPy-style code otherwise.

The gate rows hold pre-activations scaled as in the NumPy code (σ rows by -1, the
LSTM's candidate by -2: σ(a) = 1 / (1 + e⁻ᵃ), tanh(a) = 2σ(2a) - 1, see ``activations``).
Each body declares one value per line, so that tests/test_cuda_kernels.py can run it on
the CPU as NumPy code too.
"""
import numpy

_kernels = {}

LSTM_FORWARD = """
    const ptrdiff_t row = (ptrdiff_t)(i / H) * 4 * H + i % H;
    const T in_gate = (T)1 / ((T)1 + exp(gates[row] + recurrent[row]));
    const T forget = (T)1 / ((T)1 + exp(gates[row + H] + recurrent[row + H]));
    const T candidate = (T)2 / ((T)1 + exp(gates[row + 2 * H] + recurrent[row + 2 * H])) - (T)1;
    const T out_gate = (T)1 / ((T)1 + exp(gates[row + 3 * H] + recurrent[row + 3 * H]));
    gates[row] = in_gate;
    gates[row + H] = forget;
    gates[row + 2 * H] = candidate;
    gates[row + 3 * H] = out_gate;
    c_new = forget * c + in_gate * candidate;
    h_new = out_gate * tanh(c_new);
"""

LSTM_BACKWARD = """
    const ptrdiff_t row = (ptrdiff_t)(i / H) * 4 * H + i % H;
    const T in_gate = gates[row];
    const T forget = gates[row + H];
    const T candidate = gates[row + 2 * H];
    const T out_gate = gates[row + 3 * H];
    const T tanh_c = tanh(c_new);
    const T dc_total = dc + dh * out_gate * ((T)1 - tanh_c * tanh_c);
    gates[row] = dc_total * candidate * in_gate * ((T)1 - in_gate);
    gates[row + H] = dc_total * c * forget * ((T)1 - forget);
    gates[row + 2 * H] = dc_total * in_gate * ((T)1 - candidate * candidate);
    gates[row + 3 * H] = dh * tanh_c * out_gate * ((T)1 - out_gate);
    dc = dc_total * forget;
"""

GRU_FORWARD = """
    const ptrdiff_t row = (ptrdiff_t)(i / H) * 3 * H + i % H;
    const T reset = (T)1 / ((T)1 + exp(gates[row] + recurrent[row]));
    const T update = (T)1 / ((T)1 + exp(gates[row + H] + recurrent[row + H]));
    u = recurrent[row + 2 * H] + b_n;
    const T candidate = tanh(gates[row + 2 * H] + reset * u);
    gates[row] = reset;
    gates[row + H] = update;
    gates[row + 2 * H] = candidate;
    h_new = candidate + update * (h - candidate);
"""

GRU_BACKWARD = """
    const ptrdiff_t row = (ptrdiff_t)(i / H) * 3 * H + i % H;
    const T reset = gates[row];
    const T update = gates[row + H];
    const T candidate = gates[row + 2 * H];
    const T d_candidate = dh * ((T)1 - update) * ((T)1 - candidate * candidate);
    gates[row] = d_candidate * u * reset * ((T)1 - reset);
    gates[row + H] = dh * (h - candidate) * update * ((T)1 - update);
    gates[row + 2 * H] = d_candidate * reset;
    u = d_candidate;
    dh_direct = dh * update;
"""

SIGNATURES = {
    "lstm_forward": ("raw T recurrent, T c, int32 H", "raw T gates, T c_new, T h_new",
                     LSTM_FORWARD),
    "lstm_backward": ("T c, T c_new, T dh, int32 H", "raw T gates, T dc", LSTM_BACKWARD),
    "gru_forward": ("raw T recurrent, T h, T b_n, int32 H", "raw T gates, T u, T h_new",
                    GRU_FORWARD),
    "gru_backward": ("T h, T dh, int32 H", "raw T gates, T u, T dh_direct", GRU_BACKWARD),
}


def available(xp):
    """Whether the kernels apply: the arrays are CuPy's."""
    return xp is not numpy


def kernel(xp, name):
    """The compiled kernel ``name`` (compiled once, on first use)."""
    if name not in _kernels:
        in_params, out_params, body = SIGNATURES[name]
        _kernels[name] = xp.ElementwiseKernel(in_params, out_params, body,
                                              f"minigrad_{name}")
    return _kernels[name]


def lstm_forward_step(xp, gates, recurrent, c, c_new, h_new):
    """gates (B, 4H) pre-activations -> i, f, g, o in place; c' and h' into c_new, h_new."""
    kernel(xp, "lstm_forward")(recurrent, c, numpy.int32(c.shape[-1]), gates, c_new, h_new)


def lstm_backward_step(xp, gates, c, c_new, dh, dc):
    """gates (B, 4H) holding i, f, g, o -> da in place; dc (dc' in) -> dc' ⊙ f."""
    kernel(xp, "lstm_backward")(c, c_new, dh, numpy.int32(c.shape[-1]), gates, dc)


def gru_forward_step(xp, gates, recurrent, h, b_n, u, h_new):
    """PyTorch's GRU step: gates (B, 3H) x-parts -> r, z, n in place; u and h' written."""
    kernel(xp, "gru_forward")(recurrent, h, b_n, numpy.int32(h.shape[-1]), gates, u, h_new)


def gru_backward_step(xp, gates, h, dh, u, dh_direct):
    """gates (B, 3H) holding r, z, n -> dr̃, dz̃, du in place; u -> dñ; dh' ⊙ z written."""
    kernel(xp, "gru_backward")(h, dh, numpy.int32(h.shape[-1]), gates, u, dh_direct)
