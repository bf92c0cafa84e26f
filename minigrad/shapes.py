"""The shapes of RNN, as the trainer sees them: which model a task's shape needs around a
cell, what that model reads of a batch, and what the task's loss and metric get.

    shape            model                 loss reads                metric reads
    per-step         SequenceModel         outputs (seq, batch, K)   the same outputs
    many-to-one      SequenceClassifier    logits (batch, K)         the same logits
    one-to-many      OneToMany             teacher-forced logits     generated tokens
    encoder-decoder  Seq2Seq(cell, cell)   teacher-forced logits     greedy-decoded tokens

Teacher forcing feeds each step the true previous token, so training is one call over
the whole target; evaluation then lets the model write on its own, feeding back its
argmax, and the metric scores what it wrote (``minigrad.task`` has the protocol).
"""
import numpy

from . import creation
from .cell_setup import InvalidRunError
from .nn import OneToMany, Seq2Seq, SequenceClassifier, SequenceModel
from .nn.init_schemes import InitContext
from .task import SHAPES

#: The shapes whose output is written one token after another, forward in time.
GENERATED = ("one-to-many", "encoder-decoder")


def shape_of(task):
    """``task``'s declared shape, checked (a task that declares none is per-step)."""
    shape = getattr(task, "shape", "per-step")
    if shape not in SHAPES:
        name = getattr(task, "name", type(task).__name__)
        raise InvalidRunError(f"task {name!r} declares the shape {shape!r}; a task's shape "
                              f"is one of {', '.join(SHAPES)}", "task")
    return shape


def require_per_step(task, tool):
    """Refuse a task of another shape for a ``tool`` that reads one output per step."""
    shape = shape_of(task)
    if shape != "per-step":
        name = getattr(task, "name", type(task).__name__)
        raise InvalidRunError(f"{tool} reads the per-step output of a SequenceModel; task "
                              f"{name!r} is {shape}: choose a per-step task (minigrad tasks "
                              f"lists each task's shape)", "task")


def check_shape(cells, task, config):
    """Refuse, before training, what the task's shape can't do: truncated BPTT on
    anything but a per-step task, a bidirectional cell where the output is generated."""
    shape, name = shape_of(task), getattr(task, "name", type(task).__name__)
    if config.tbptt and shape != "per-step":
        raise InvalidRunError(f"truncated BPTT (tbptt={config.tbptt}) carries the state across "
                              f"chunks of a per-step task; task {name!r} is {shape}", "tbptt")
    if getattr(task, "carries_state", False):
        _check_stream(cells, task, config, shape, name)
    for cell in cells:
        if cell.bidirectional and shape in GENERATED:
            raise InvalidRunError(f"task {name!r} is {shape}: its output is written one token "
                                  f"after another, forward in time, so the bidirectional cell "
                                  f"{cell.name} can't write it; give a one-direction cell",
                                  "cells")


def _check_stream(cells, task, config, shape, name):
    """A task whose batches continue each other: the state goes forward across batches."""
    if shape != "per-step":
        raise InvalidRunError(f"task {name!r} carries the state across batches, which only "
                              f"a per-step task can; it is {shape}", "task")
    for cell in cells:
        if cell.bidirectional:
            raise InvalidRunError(f"task {name!r} carries the state forward from one batch "
                                  f"to the next; the bidirectional cell {cell.name} also "
                                  f"runs backwards, so it can't (give a one-direction cell)",
                                  "cells")
    try:
        task.batch_at(config.batch, 0)
    except ValueError as error:
        raise InvalidRunError(str(error), "batch") from None


def build(cell, task, config):
    """The model a run of ``cell`` (a ``CellSetup``) on ``task`` trains, initialised with
    the cell's scheme (chrono's T is the task's sequence length)."""
    shape = shape_of(task)
    forget_bias = 1.0 if config.forget_bias is None else config.forget_bias
    common = dict(num_layers=config.layers, dtype=config.dtype, device=config.device,
                  embed=config.embed)
    if shape == "encoder-decoder":
        model = Seq2Seq(cell.factory, cell.factory, task.input_size, task.output_size,
                        config.hidden, encoder_options=cell.options,
                        decoder_options=cell.options, **common)
        context = InitContext(max_delay=task.seq_len, forget_bias=forget_bias)
        for side in (model.encoder, model.decoder):
            side.init_weights(cell.init, context)
        return model
    init = dict(init=cell.init, max_delay=task.seq_len, forget_bias=forget_bias)
    if shape == "one-to-many":
        return OneToMany(cell.factory, task.input_size, task.output_size, config.hidden,
                         **common, **init, **cell.options)
    model_class = SequenceModel if shape == "per-step" else SequenceClassifier
    return model_class(cell.factory, task.input_size, config.hidden, task.output_size,
                       **common, **init, **cell.options)


def outputs(model, task, batch, config, tbptt=None):
    """What ``task.loss`` reads: the model run on ``batch``, teacher-forced where the
    output is generated."""
    shape = shape_of(task)
    if shape == "one-to-many":
        return model(_seeds(task, batch), batch.targets[:-1])
    if shape == "encoder-decoder":
        start = numpy.full((1, batch.targets.shape[1]), task.start_token, dtype=numpy.int64)
        target_in = numpy.concatenate([start, batch.targets[:-1]])
        return model(_source(task, batch, config), _ids(target_in, config))
    inputs = model_inputs(task, batch, config)
    return model(inputs, tbptt=tbptt) if shape == "per-step" else model(inputs)


def predictions(model, task, batch, config, outputs):
    """What ``task.metric`` reads: ``outputs`` themselves, or for a generated output the
    tokens (T, batch) the model writes on its own (as many steps as the targets have)."""
    shape, length = shape_of(task), batch.targets.shape[0]
    if shape == "one-to-many":
        return model.generate(_seeds(task, batch), length).numpy()
    if shape == "encoder-decoder":
        return model.greedy_decode(_source(task, batch, config), task.start_token, length,
                                   end_token=task.end_token).numpy()
    return outputs


def model_inputs(task, batch, config):
    """What a per-step or many-to-one model reads of ``batch``: its one-hot (or real)
    inputs as a tensor, or with an embedding (``config.embed``) the task's token ids."""
    if config.embed is not None:
        return task.tokens(batch)
    return _vectors(batch.inputs, config)


def _seeds(task, batch):
    """A one-to-many batch's seed tokens (batch,): its single input step."""
    return task.tokens(batch)[0]


def _source(task, batch, config):
    """An encoder-decoder batch's source: token ids (S, batch), or real vectors."""
    if getattr(task, "input_tokens", False):
        return _ids(task.tokens(batch), config)
    return _vectors(batch.inputs, config)


def _vectors(array, config):
    """Real-valued (or one-hot) inputs as a tensor of the run's dtype and device."""
    return creation.tensor(array, dtype=config.dtype, device=config.device)


def _ids(array, config):
    """Integer token ids as an int64 tensor on the run's device."""
    return creation.tensor(array, device=config.device)
