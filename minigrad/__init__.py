"""minigrad: a small autograd engine for recurrent networks, on NumPy (and CuPy).

    >>> import minigrad
    >>> x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
"""
# Recurrent networks multiply small matrices, one time step at a time. For these, BLAS
# threads gain little, and on a busy machine they stall each other for far longer than
# the work takes (a 50x slowdown was measured on 2 cores). So minigrad asks NumPy's BLAS
# for one thread, unless you set the variables yourself (kept as your choice) or imported
# NumPy first; minigrad.threads changes the count at run time.
from . import threads  # noqa: E402 - before NumPy is imported
threads.set_import_default()

from . import ops  # noqa: E402, F401 - attaches the ops to Tensor as methods
from . import nn, optim  # noqa: F401
from . import accelerator, backends, cuda  # noqa: F401 - torch.cuda & co. by their names
from .backend import gpu_available
from .devices import device, get_default_device, set_default_device
from .creation import arange, full, ones, ones_like, rand, randn, tensor, zeros, zeros_like
from .creation import empty, eye, from_numpy, linspace, normal, randint
from .creation import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor,
                       HalfTensor, IntTensor, LongTensor, ShortTensor)
from .dtypes import bool, float16, float32, float64, int32, int64, long  # noqa: A004
from .dtypes import int8, int16, uint8
from .dtypes import float16 as half, float32 as float, float64 as double  # noqa: A004
from .dtypes import int32 as int  # noqa: A004 - PyTorch's names, so not Python's here
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .gradcheck import GradcheckError, gradcheck
from .ops import (abs, cat, chunk, clamp, dropout, exp, log, log_softmax, logsumexp,  # noqa: A004
                  matmul, maximum, mean, minimum, one_hot, relu, sigmoid, softmax, split,
                  sqrt, stack, sum, tanh, where)
from .ops import (amax, amin, argmax, argmin, argsort, bmm, clone, concat, concatenate,  # noqa: A004
                  cos, cosh, flatten, flip, max, meshgrid, min, narrow, permute,
                  repeat_interleave, reshape, return_types, sin, sinh, sort, squeeze, swapaxes,
                  swapdims, t, topk, transpose, tril, triu, unsqueeze, var)
from .ops import erf  # noqa: F401
from .random import manual_seed
from .serialization import CheckpointError, load, save
from .tensor import Tensor

__version__ = "0.1.0"
from .plugin_manager import (AmbiguousNameError, UnknownNameError, cells, get_cell,  # noqa: F401
                             get_task, get_wrapper, hookimpl, plugin_errors, tasks, wrappers)
from .training import compare, train  # noqa: F401
from .training import Interrupted  # noqa: F401
from .resuming import resume  # noqa: F401
from .sweeps import sweep  # noqa: F401 - the module is minigrad.sweeps
from .gradflow import gradient_flow  # noqa: F401
from . import results, stopping  # noqa: F401 - results folders, clean stops
from . import utils  # noqa: F401
from .creation import randperm
from .random import Generator
