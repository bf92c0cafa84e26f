"""Batches of sequences of different lengths, as ``torch.nn.utils.rnn``.

A batch of sentences is rarely of one length. ``pad_sequence`` stacks them into one
(T, B, *) tensor, padding the short ones; ``pack_padded_sequence`` then records which
steps are real, so that a recurrent layer stops each sequence at its own end::

    padded = pad_sequence([a, b, c])                         # (T_max, 3, features)
    packed = pack_padded_sequence(padded, lengths=[5, 3, 2], enforce_sorted=False)
    output, h_n = rnn(packed)                                # h_n: each sequence's last step
    output, lengths = pad_packed_sequence(output)            # (T_max, 3, hidden), zeros beyond

A ``PackedSequence`` holds the real steps only, time-major and longest sequence first:
``data`` stacks, for t = 0, 1, ..., the t-th step of every sequence at least t + 1 long,
and ``batch_sizes[t]`` says how many those are. ``sorted_indices`` is the order of the
sequences in ``data`` (longest first) and ``unsorted_indices`` undoes it. Every function
here is built from differentiable ops, so gradients flow back through packing.
"""
from typing import NamedTuple, Optional

import numpy

from ... import creation, ops
from ...tensor import Tensor


class PackedSequence(NamedTuple):
    """The real steps of a batch of sequences (see the module's docstring)."""
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Optional[Tensor] = None
    unsorted_indices: Optional[Tensor] = None


def _lengths_array(lengths, batch):
    values = lengths.numpy() if isinstance(lengths, Tensor) else numpy.asarray(lengths)
    values = values.reshape(-1)
    if values.size != batch or not numpy.issubdtype(values.dtype, numpy.integer) and not all(
            float(v).is_integer() for v in values):
        raise ValueError(f"lengths must be {batch} whole numbers, one per sequence of the "
                         f"batch; got {values.tolist()}")
    return values.astype(numpy.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):  # noqa: A002
    """Pack a padded (T, B, *) batch (``batch_first``: (B, T, *)) whose sequence b is
    ``lengths[b]`` steps long. With ``enforce_sorted`` the lengths must already be in
    decreasing order; otherwise the batch is sorted here and the order kept."""
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.shape[0], input.shape[1]
    length = _lengths_array(lengths, batch)
    if (length < 1).any() or (length > steps).any():
        raise ValueError(f"every length must be between 1 and the padded length {steps}; "
                         f"got {length.tolist()}")
    if enforce_sorted:
        if (numpy.diff(length) > 0).any():
            raise ValueError(f"lengths must be in decreasing order with enforce_sorted=True "
                             f"(got {length.tolist()}); pass enforce_sorted=False to have "
                             f"them sorted")
        order = numpy.arange(batch)
    else:
        order = numpy.argsort(-length, kind="stable")
    batch_sizes = creation.tensor([(length > t).sum() for t in range(length.max())])
    if enforce_sorted:
        return PackedSequence(_pack(input, batch_sizes), batch_sizes)
    order = creation.tensor(order)
    return PackedSequence(_pack(input[:, order], batch_sizes), batch_sizes, order,
                          creation.tensor(numpy.argsort(order.numpy())))


def pack_like(padded, like):
    """Pack ``padded`` (T, B, *), batch in its original order, as ``like`` is packed:
    the same lengths and the same order. What a recurrent layer returns for packed input."""
    if like.sorted_indices is not None:
        padded = padded[:, like.sorted_indices]
    return PackedSequence(_pack(padded, like.batch_sizes), like.batch_sizes,
                          like.sorted_indices, like.unsorted_indices)


def _pack(sorted_padded, batch_sizes):
    """The real steps of a (T, B, *) batch whose sequences are sorted longest first."""
    sizes = batch_sizes.numpy().tolist()
    return ops.cat([sorted_padded[t, :size] for t, size in enumerate(sizes)], dim=0)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo ``pack_padded_sequence``: returns (padded (T, B, *), lengths int64), the
    batch in its original order and the missing steps filled with ``padding_value``."""
    data, batch_sizes = sequence.data, sequence.batch_sizes.numpy()
    batch, steps = int(batch_sizes[0]), len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"total_length is {total_length}, shorter than the longest "
                             f"sequence ({steps} steps)")
        steps = total_length
    rows, offset = [], 0
    for t in range(steps):
        size = int(batch_sizes[t]) if t < len(batch_sizes) else 0
        part = data[offset:offset + size]
        offset += size
        if size < batch:
            fill = creation.full((batch - size, *data.shape[1:]), padding_value,
                                 dtype=data.dtype, device=data.device)
            part = ops.cat([part, fill], dim=0) if size else fill
        rows.append(part)
    padded = ops.stack(rows, dim=0)
    lengths = (batch_sizes[None, :] > numpy.arange(batch)[:, None]).sum(axis=1)
    if sequence.unsorted_indices is not None:
        padded = padded[:, sequence.unsorted_indices]
        lengths = lengths[sequence.unsorted_indices.numpy()]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, creation.tensor(lengths.astype(numpy.int64))


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shape (L_i, *) into (L_max, B, *) (``batch_first``: (B, L_max, *)),
    filling each one's missing steps with ``padding_value`` on ``padding_side``."""
    if not sequences:
        raise ValueError("pad_sequence needs at least one sequence")
    if padding_side not in ("right", "left"):
        raise ValueError(f"padding_side must be 'right' or 'left', got {padding_side!r}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            fill = creation.full((missing, *s.shape[1:]), padding_value, dtype=s.dtype,
                                 device=s.device)
            s = ops.cat([s, fill] if padding_side == "right" else [fill, s], dim=0)
        padded.append(s)
    return ops.stack(padded, dim=0 if batch_first else 1)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of (L_i, *) tensors: ``pack_padded_sequence(pad_sequence(...))``."""
    return pack_padded_sequence(pad_sequence(sequences), [s.shape[0] for s in sequences],
                                enforce_sorted=enforce_sorted)
