"""A run's checkpoint: all a stopped run needs to go on and give, step for step, the
numbers it would have given had it never stopped.

A run is its model, its optimizer's state (Adam's running averages and step counts),
three random generators (the training batches', the held-out batches' and minigrad's
global one, behind initialisation and dropout), the step it reached and its result so
far (the learning curve, whether and when it solved the task). A checkpoint holds all
of them, and says which run it is, in a file ``minigrad.save`` writes (atomically)::

    {"format": "minigrad-run-checkpoint", "version": 1,
     "run": '{"cells": ["lstm"], "task": "copy", "seeds": [0], "training": {...}, ...}',
     "step": 200,
     "model": model.state_dict(),
     "optimizer": optimizer.state_dict(),
     "generators": '{"train": {...}, "eval": {...}, "global": {...}}',
     "result": '{"steps": 200, "final_loss": 0.012, "curve": [...], ...}'}

``run``, ``generators`` and ``result`` are JSON text. A generator's state is NumPy's
``bit_generator.state`` (a dict of integers), which JSON holds exactly; a value of the
result that is not a finite number is ``null``. A run of a token task (one with a
``vocabulary``, such as ``text``) also stores ``"vocabulary"``, its ``to_dict()`` as JSON
text, so that ``minigrad sample`` and ``score`` need nothing but the checkpoint. A run of a task
whose batches continue each other (``text --stream``) also stores ``"carried"``, the
recurrent state it carries into its next batch (a list of arrays).
"""
import json
import math
import os
from dataclasses import dataclass
from typing import Optional

from .cell_setup import InvalidRunError
from .results import describe_os_error, json_ready, standard_json
from .serialization import save

FORMAT = "minigrad-run-checkpoint"
VERSION = 1
RESULT_FIELDS = ("steps", "final_loss", "score", "solved", "steps_to_solve", "seconds",
                 "curve")


@dataclass
class Carried:
    """The recurrent state a run of a task whose batches continue each other
    (``carries_state``) takes from one training batch into the next, detached: the
    gradient stops at a batch's start, the state does not. None before the first."""
    state: Optional[tuple] = None


def is_run_checkpoint(obj):
    """Whether ``obj`` (what ``minigrad.load`` returned) is a run's checkpoint, rather
    than, say, a model's plain state_dict."""
    return isinstance(obj, dict) and obj.get("format") == FORMAT


def capture(run, step, model, optimizer, generators, result, vocabulary=None, carried=None):
    """The checkpoint of ``run`` (its settings, as ``Plan.run_settings`` gives them) at
    the end of ``step``; with the task's ``vocabulary`` if it has one, and the state
    ``carried`` into the next batch if there is one."""
    checkpoint = {
        "format": FORMAT, "version": VERSION, "run": standard_json(run, indent=None),
        "step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
        "generators": json.dumps({name: generator.bit_generator.state
                                  for name, generator in generators.items()}),
        "result": standard_json({name: getattr(result, name) for name in RESULT_FIELDS},
                                indent=None)}
    if vocabulary is not None:
        checkpoint["vocabulary"] = json.dumps(vocabulary.to_dict())
    if carried is not None and carried.state is not None:
        checkpoint["carried"] = list(carried.state)
    return checkpoint


def run_settings(checkpoint, where="the checkpoint"):
    """The settings of the run that wrote ``checkpoint``; InvalidRunError if it isn't one
    this minigrad reads."""
    if not is_run_checkpoint(checkpoint):
        raise InvalidRunError(f"{where} is not a run's checkpoint", "resume_from")
    if checkpoint.get("version") != VERSION:
        raise InvalidRunError(f"{where} has format version {checkpoint.get('version')!r}; "
                              f"this minigrad reads version {VERSION}", "resume_from")
    return _json_field(checkpoint, "run", where)


def restore(checkpoint, model, optimizer, generators, result, where="the checkpoint",
            carried=None):
    """Put the run saved in ``checkpoint`` back into these objects (and into ``carried``
    the state it carried, if any); returns its step."""
    saved_generators = _json_field(checkpoint, "generators", where)
    saved_result = _json_field(checkpoint, "result", where)
    step = checkpoint.get("step")
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        raise InvalidRunError(f"{where} has no valid step (found {step!r})", "resume_from")
    try:
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        for name, generator in generators.items():
            generator.bit_generator.state = saved_generators[name]
        for name in RESULT_FIELDS:
            setattr(result, name, saved_result[name])
        if carried is not None and "carried" in checkpoint:
            carried.state = _carried_state(checkpoint["carried"], model)
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise InvalidRunError(f"{where} can't be restored: {type(error).__name__}: "
                              f"{error}", "resume_from") from None
    result.final_loss, result.score = _number(result.final_loss), _number(result.score)
    result.curve = [{"step": point["step"], "loss": _number(point["loss"]),
                     "score": _number(point["score"]),
                     "grad_norm": _number(point.get("grad_norm"))} for point in result.curve]
    return step


def _carried_state(saved, model):
    """The carried state read back: a tuple of tensors of the model's dtype and device."""
    from .creation import tensor
    weight = next(iter(model.parameters()))
    if not isinstance(saved, (list, tuple)) or not saved:
        raise TypeError(f"'carried' must be a list of arrays, got {type(saved).__name__}")
    return tuple(tensor(getattr(part, "array", part), dtype=weight.dtype,
                        device=weight.device) for part in saved)


def _json_field(checkpoint, name, where):
    try:
        return json.loads(checkpoint[name])
    except (KeyError, TypeError, ValueError, RecursionError):
        raise InvalidRunError(f"{where} has no readable {name!r} entry", "resume_from") from None


def _number(value):
    """A float read back from JSON: null was a value that was not a finite number."""
    return math.nan if value is None else float(value)


class CheckpointFile:
    """Where one run keeps its checkpoint and how often: every ``every`` steps, when it
    is stopped, and (``keep_at_end``) when it ends. ``start`` is the checkpoint it goes on
    from, if any; ``run`` its settings, recorded in every checkpoint. A write that fails
    (a full disk) is remembered in ``error`` and the run goes on: the last good
    checkpoint is still whole, since ``minigrad.save`` writes atomically."""

    def __init__(self, path, run, every=None, start=None, keep_at_end=False, vocabulary=None):
        self.path, self.run, self.every = path, json_ready(run), every
        self.vocabulary = vocabulary
        self.start, self.keep_at_end = start, keep_at_end
        self.error = None

    def due(self, step):
        return self.every is not None and step % self.every == 0

    def save(self, model, optimizer, generators, result, carried=None):
        if self.path is None:
            return
        try:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            save(capture(self.run, result.steps, model, optimizer, generators, result,
                         self.vocabulary, carried), self.path)
        except OSError as error:
            self.error = f"could not write {self.path}: {describe_os_error(error)}"
        else:
            self.error = None

    def discard(self):
        """The run is on record: its checkpoint is no longer needed."""
        if self.path is not None and os.path.exists(self.path):
            os.remove(self.path)
