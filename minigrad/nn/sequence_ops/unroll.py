"""What every fused sequence op shares: the order of the steps, the buffers, the masks of
sequences that ended, the products hoisted out of the loop, and the one graph node.

A fused op works on raw arrays in *processing order*: step k = 0, 1, ..., T-1 reads time
t = k forwards, or t = T-1-k backwards in time. Its states live in one buffer ``states``
(T+1 rows: the initial state, then the state after each step), which is also where the
outputs are read from, so nothing is copied per step.
"""
from ... import grad_mode, threads
from ...tensor import from_op


class Unroll:
    """The sequence ``inputs`` (seq, batch, features) as one fused op sees it (``tensors``:
    all the op's inputs, None for an absent bias).

    ``x`` is the input in processing order as a 2-D (T·B, features) array, ready for the
    hoisted product; ``running[k]`` (batch, 1) says which sequences have not ended at
    step k (None when every sequence runs to the end).
    """

    def __init__(self, inputs, reverse, lengths, tensors):
        self.inputs, self.reverse = inputs, reverse
        array = inputs.array
        self.xp = inputs.xp
        # the op computes in the type all its tensors promote to, as its Tensor ops would
        self.dtype = self.xp.result_type(*(t.array for t in tensors if t is not None))
        self.steps, self.batch, features = array.shape
        self.x = (array[::-1] if reverse else array).reshape(self.steps * self.batch, features)
        self.running = None
        if lengths is not None:
            time = self.xp.arange(self.steps).reshape(-1, 1, 1)
            ends = self.xp.asarray(lengths).reshape(1, -1, 1)
            running = time < ends
            self.running = running[::-1] if reverse else running
        # a graph is recorded only when a gradient is wanted; otherwise nothing is kept
        self.recording = grad_mode.enabled

    def wants_graph(self, *tensors):
        return self.recording and any(t is not None and t.requires_grad for t in tensors)

    # ------------------------------------------------------------------ buffers
    def project(self, weight, *biases, dtype):
        """x Wᵀ + Σ biases for every step in one matrix product: (T, B, rows)."""
        xp = self.xp
        rows = weight.shape[0]
        out = xp.empty((self.steps, self.batch, rows), dtype=dtype)
        with threads.around_product(*self.x.shape, rows):
            xp.matmul(self.x, weight.T, out=out.reshape(self.steps * self.batch, rows))
        for bias in biases:
            if bias is not None:
                out += bias
        return out

    def states(self, initial):
        """A (T+1, B, H) buffer: row 0 the ``initial`` state, row k+1 the state after
        step k; rows 1: are the op's outputs, without a copy."""
        buffer = self.xp.empty((self.steps + 1, *initial.shape), dtype=self.dtype)
        buffer[0] = initial
        return buffer

    def outputs(self, states):
        """Each step's output from the state buffer: (T, B, H), zero past a sequence's end."""
        outputs = states[1:]
        return outputs if self.running is None else outputs * self.running

    def hold_ended(self, k, new, old):
        """A sequence that ended before step k keeps its state: new[b] = old[b] there."""
        if self.running is not None:
            self.xp.copyto(new, old, where=~self.running[k])

    # ------------------------------------------------------------------ backward
    def blocks(self, size):
        """(first, last) ranges of ``size`` steps, from the last block to the first."""
        for last in range(self.steps, 0, -size):
            yield max(last - size, 0), last

    # A sequence that had ended at step k kept its state there, so the gradient of the
    # state after step k passes to the state before it unchanged, and none goes into the
    # cell's step: skipped() takes that part aside before the step's backward,
    # keep_running() clears it from what goes in, add_skipped() hands it on after.
    def skipped(self, k, *grads):
        if self.running is None:
            return None
        ended = ~self.running[k]
        return [g * ended for g in grads]

    def keep_running(self, k, *grads):
        if self.running is not None:
            for g in grads:
                g *= self.running[k]

    def add_skipped(self, skipped, *grads):
        if skipped is not None:
            for g, s in zip(grads, skipped):
                g += s

    def weight_gradient(self, d_rows, values, out=None):
        """Σ over all steps and sequences of d_rowsᵀ values: (T·B, n)ᵀ (T·B, m) -> (n, m),
        one product for every step's contribution to a weight's gradient."""
        with threads.around_product(d_rows.shape[1], d_rows.shape[0], values.shape[1]):
            return self.xp.matmul(d_rows.T, values, out=out)

    def in_time_order(self, array):
        """A (T, ...) array of processing order, back in time order."""
        return array[::-1] if self.reverse else array

    def input_gradient(self, d_projected, weight):
        """dL/d(inputs) from dL/d(x Wᵀ) of every step: one product, back in time order."""
        grad = d_projected.reshape(self.steps * self.batch, -1) @ weight  # (T·B, I)
        return self.in_time_order(grad.reshape(self.steps, self.batch, -1))

    # ------------------------------------------------------------------ the node
    def node(self, outputs, finals, parents, backward, name):
        """The op's graph node, and what the layer sees of it: (outputs in time order,
        final state tensors), from the arrays ``outputs`` (T, B, H), in processing order,
        and ``finals``. ``backward(d_outputs, d_finals)`` returns one gradient per entry
        of ``parents`` (which may hold None for an absent bias).

        The final states are nodes of their own on top of the op's: their gradients are
        put aside for its backward (zeros where none came), so the outputs' gradient
        arrives as it is, and nothing is copied or padded to join the two."""
        present = tuple(p for p in parents if p is not None)
        final_grads, done = {}, []

        def backward_present(grad):
            if done:  # backward works in place on what forward saved, so only once
                raise RuntimeError(
                    f"{name}: a fused recurrent layer can be backpropagated once only (its "
                    f"backward overwrites what it saved); to call backward(retain_graph=True) "
                    f"again, run the layer with fused=False or inside "
                    f"minigrad.nn.per_step_graph()")
            done.append(True)
            d_finals = [final_grads.pop(i, None) for i in range(len(finals))]
            d_finals = [self.xp.zeros_like(f) if d is None else d
                        for d, f in zip(d_finals, finals)]
            grads = backward(grad, d_finals)
            return tuple(g if p.requires_grad else None
                         for p, g in zip(parents, grads) if p is not None)
        out = from_op(outputs, present, backward_present, name=name)
        final_tensors = tuple(_final_state(out, i, final, final_grads, name)
                              for i, final in enumerate(finals))
        return (out.flip(0) if self.reverse else out), final_tensors


def _final_state(out, i, array, final_grads, name):
    """Final state ``i`` of the op whose outputs are ``out``, as a node on top of it."""
    def final_state_backward(grad):
        final_grads[i] = grad
        return (_NoOutputGradient(out),)
    return from_op(array, (out,), final_state_backward, name=f"{name}_final")


class _NoOutputGradient:
    """What a final state sends to its op's outputs: nothing to add (its own gradient goes
    aside, see ``Unroll.node``). It still makes sure the outputs have a gradient array,
    so that the op's backward runs when only final states were used."""
    __slots__ = ("shape", "dtype", "xp")

    def __init__(self, out):
        self.shape, self.dtype, self.xp = out.array.shape, out.dtype, out.xp

    def add_into(self, total, writable):
        if total is None:
            return self.xp.zeros(self.shape, self.dtype)
        return total if writable else total.copy()
