"""Why a run's loss stopped being a number: the message a stopped run records.

A run whose loss turns NaN or infinite ends there (the other runs of a comparison go
on), and ``RunResult.error`` says at which step and what most likely caused it, read
from the state the run is in when it stops:

* parameters that were not finite before the first update: the starting point was
  broken (a checkpoint or an init scheme), not the learning rate;
* inputs that are not finite: the task made them;
* parameters made non-finite by an update: the gradients exploded (no clipping), or
  the steps were too large for the clipping given;
* finite parameters but a non-finite loss: the forward pass overflowed, the state
  growing step after step (a relu cell whose recurrent weights stretch it by more than
  1 per step: their largest singular value, which is reported).
"""
import numpy

from . import backend


def non_finite_loss(loss, step, model, batch, config):
    """The one-line message of a run stopped at ``step`` by a loss of ``loss``."""
    return f"the loss became {loss} at step {step}: {likely_cause(step, model, batch, config)}"


def likely_cause(step, model, batch, config):
    """What most likely made the loss non-finite, and what to change."""
    broken = [name for name, p in model.named_parameters() if not _finite(p.array)]
    if broken and step == 1:
        return (f"the model's parameters were not finite before any update ({_names(broken)}): "
                f"the checkpoint or the init scheme ({config.init}) it started from is "
                f"broken, and a lower learning rate would not help")
    if not _finite(batch.inputs):
        return "the task's inputs hold NaN or infinite values: the task is at fault"
    if broken:
        if config.clip is None:
            return (f"the gradients exploded without clipping and the updates made "
                    f"{_names(broken)} non-finite: clip the gradient norm (--clip 1, "
                    f"clip=1.0) or lower the learning rate (--lr, now {config.lr})")
        return (f"the updates made {_names(broken)} non-finite despite clipping the gradient "
                f"norm at {config.clip}: lower the learning rate (--lr, now {config.lr}) or "
                f"the clipping threshold (--clip)")
    advice = ("clip the gradient norm (--clip 1, clip=1.0) or lower the learning rate "
              f"(--lr, now {config.lr})" if config.clip is None else
              f"lower the learning rate (--lr, now {config.lr})")
    gain = largest_recurrent_gain(model)
    if gain is not None and gain > 1:
        return (f"the forward pass overflowed {config.dtype} although every parameter is "
                f"finite: the recurrent weights amplify the state up to {gain:.3g} times per "
                f"step (their largest singular value), over {len(batch.inputs)} steps; "
                f"{advice}, or use a cell whose state is bounded (tanh, gates)")
    return (f"the forward pass overflowed {config.dtype} although every parameter is "
            f"finite; {advice}")


def largest_recurrent_gain(model):
    """The largest spectral norm of the (H, H) recurrent blocks of the cells of every
    recurrent layer in ``model`` (an encoder-decoder has two): how much one step can
    stretch the state (None when the cells don't say which weights are recurrent)."""
    from .nn import Recurrent
    gains = []
    layers = [m for m in model.modules() if isinstance(m, Recurrent)]
    for layer in (cells for recurrent in layers for cells in recurrent.cells):
        for cell in layer:
            for weights in cell.recurrent_weights():
                matrix = backend.to_numpy(weights.array).astype(numpy.float64)
                size = matrix.shape[1]
                for start in range(0, matrix.shape[0], size):  # one block per gate
                    gains.append(numpy.linalg.norm(matrix[start:start + size], 2))
    return max(gains) if gains else None


def _finite(array):
    xp = backend.get_array_module(array)
    return bool(xp.isfinite(array).all())


def _names(names):
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")
