"""A comparison's results folder, written so that no finished run is ever lost.

    runs/copy/
      results.json   who wrote it, the command, the settings, every finished run (with its
                     learning curve), the run that was interrupted, and the summary
      curves.csv     step, cell, seed, loss, score, grad_norm: one row per evaluation
                     (grad_norm: that step's global gradient norm, before clipping)
      curves.png     the learning curves (drawn at the end, when matplotlib is installed)
      checkpoints/   the runs in progress, with ``checkpoint_every``

``results.json`` and ``curves.csv`` are rewritten after every run, each **atomically**:
the new text goes to a temporary file in the same folder, is flushed to the disk
(``fsync``), and is renamed over the old file. A reader sees the old file or the new one,
never a part, and when the disk fills up mid-write the old file is still there, whole.

``results.json`` is standard JSON (no ``NaN`` or ``Infinity``: a value that is not a
finite number is ``null``) and begins::

    {"format": "minigrad-results", "version": 1, "minigrad_version": "0.1.0",
     "command": ["minigrad", "compare", "--cells", "rnn,lstm", ...],
     "settings": {"cells": [...], "task": "copy", "task_options": {...}, "seeds": [0, 1],
                  "cell_options": {...}, "training": {"hidden": 128, ...}},
     "status": "running" | "interrupted" | "complete", ...}

``settings`` is what ``minigrad.resume`` prepares again. A folder that holds
something else under these names (another tool's ``results.json``, a newer format, a
folder where a file belongs) is refused, never overwritten; so is a folder that already
holds a comparison, which ``resume`` continues instead.
"""
import contextlib
import csv
import io
import json
import math
import os
import uuid
from typing import Any, NamedTuple

from .cell_setup import InvalidRunError

FORMAT = "minigrad-results"
VERSION = 1
RESULTS = "results.json"
CURVES = "curves.csv"
PLOT = "curves.png"
CHECKPOINTS = "checkpoints"
OUR_NAMES = (RESULTS, CURVES, PLOT, CHECKPOINTS)


# ------------------------------------------------------------------- standard JSON
def json_ready(value):
    """``value`` as standard JSON can hold it: NaN and ±infinity become None, NumPy
    numbers and arrays become Python's, tuples lists, anything else its ``str``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, dict):
        return {key if isinstance(key, str) else str(key): json_ready(item)
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    if hasattr(value, "tolist"):  # a NumPy number or array (not a dtype: it has no tolist)
        return json_ready(value.tolist())
    return str(value)  # a dtype, a device


def standard_json(value, indent=2):
    """``json.dumps`` that never writes the ``NaN`` or ``Infinity`` standard JSON lacks."""
    return json.dumps(json_ready(value), indent=indent, allow_nan=False)


# --------------------------------------------------------------------- atomic writes
def text_table(header, rows):
    """The lines of a plain-text table: the header, a rule, then ``rows`` (lists of str),
    each column as wide as its widest entry."""
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)),
             "  ".join("-" * w for w in widths)]
    return lines + ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]


def write_atomically(path, data):
    """Write ``data`` (bytes) to ``path`` so that a reader sees the old file or the new
    one, never a part: a temporary file beside it, flushed to the disk, renamed over it.
    On any failure (a full disk, Ctrl-C) the temporary file is removed and ``path`` is
    left as it was."""
    folder, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(temporary, "xb") as file:
            _write_all(file, data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    _sync_folder(folder)


def _write_all(file, data):
    file.write(data)


def _sync_folder(folder):
    """Make the rename itself durable (where the system lets a folder be synced)."""
    with contextlib.suppress(OSError, AttributeError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def describe_os_error(error):
    """``[Errno 28] No space left on device`` as ``No space left on device``."""
    return error.strerror or str(error)


# ------------------------------------------------------------------ the folder
class ResultsFolderError(InvalidRunError):
    """A results folder that can't be used: unwritable, foreign, newer, or already taken."""


class ResultsFolder:
    """The folder a comparison writes to. ``create`` claims a new one, ``reopen`` one
    that ``resume`` continues; both refuse, before any training, what they can't use.

    ``save(comparison)`` writes results.json and curves.csv; a write that fails (a
    full disk) is remembered in ``error`` rather than raised, so training goes on and
    the results stay in memory; the next save tries again."""

    HEADER = ("format", "version", "minigrad_version", "command", "settings",
              "checkpoint_every", "resumed")

    def __init__(self, path, record, option, rows=()):
        self.path, self.option = os.fspath(path), option
        self.record = {key: record.get(key) for key in self.HEADER}
        self.rows = list(rows)  # the runs that finished before (each with its curve)
        self.error = None       # what the last failed write said, naming the file
        self.notes = []         # what ``finish`` wrote, for the CLI to show

    # ------------------------------------------------------------- claiming
    @classmethod
    def create(cls, path, settings, command=None, checkpoint_every=None):
        """A new results folder at ``path`` (made if missing, parents too). Nothing is
        written yet: ``claim`` writes the first results.json."""
        path = _checked_path(path, "out")
        _make_folder(path, "out")
        _check_our_names(path, "out")
        if os.path.exists(os.path.join(path, RESULTS)):
            record = _read_record(path, "out")
            finished = len(record.get("results") or [])
            raise ResultsFolderError(
                f"out {path}: it already holds a comparison ({finished} run(s) finished); "
                f"continue it with --resume {path}, or choose another folder", "out")
        for name in (CURVES, PLOT, CHECKPOINTS):
            if os.path.lexists(os.path.join(path, name)):
                raise ResultsFolderError(
                    f"out {path}: it holds {name} but no {RESULTS}, so it was not written by "
                    f"minigrad; choose another folder (nothing there is overwritten)", "out")
        from . import __version__
        record = {"format": FORMAT, "version": VERSION, "minigrad_version": __version__,
                  "command": command, "settings": json_ready(settings),
                  "checkpoint_every": checkpoint_every, "resumed": []}
        return cls(path, record, "out")

    @classmethod
    def reopen(cls, path, command=None):
        """The results folder of an earlier comparison, to continue it."""
        path = _checked_path(path, "resume")
        if not os.path.isdir(path):
            raise ResultsFolderError(f"resume {path}: no such folder (give the --out folder "
                                     f"of the comparison to continue)", "resume")
        _check_our_names(path, "resume")
        if not os.path.exists(os.path.join(path, RESULTS)):
            raise ResultsFolderError(f"resume {path}: it holds no {RESULTS}, so there is no "
                                     f"comparison to continue", "resume")
        record = _read_record(path, "resume")
        rows = record.get("results")
        if not isinstance(record.get("settings"), dict) or not isinstance(rows, list):
            raise ResultsFolderError(f"resume {path}: its {RESULTS} has no settings or results "
                                     f"to continue from", "resume")
        from . import __version__
        resumed = record.get("resumed") if isinstance(record.get("resumed"), list) else []
        record["resumed"] = resumed + [{"command": command, "minigrad_version": __version__}]
        return cls(path, record, "resume", rows)

    @property
    def settings(self):
        return self.record["settings"]

    def claim(self, comparison):
        """The first save, before any training: a folder that can't be written is
        refused here (ResultsFolderError), not after the first run."""
        if not self.save(comparison, "running"):
            raise ResultsFolderError(f"{self.option} {self.path}: {self.error}", self.option)

    # ------------------------------------------------------------- writing
    def save(self, comparison, status="running"):
        """Write results.json and curves.csv for ``comparison`` (a ``Comparison``).
        Returns True when both were written; otherwise ``error`` says why."""
        record = {**self.record, "status": status, "interrupted": [],
                  **comparison.to_dict(with_curves=True)}
        files = ((RESULTS, (standard_json(record) + "\n").encode()),
                 (CURVES, _curves_csv(comparison)))
        for name, data in files:
            where = os.path.join(self.path, name)
            try:
                write_atomically(where, data)
            except OSError as error:
                self.error = f"could not write {where}: {describe_os_error(error)}"
                return False
        self.error = None
        return True

    def finish(self, comparison, status):
        """The last save, and curves.png; ``notes`` says what was written."""
        self.notes = []
        if self.save(comparison, status):
            self.notes.append(f"wrote {os.path.join(self.path, RESULTS)} and "
                              f"{os.path.join(self.path, CURVES)}")
        self.notes += draw_curves(comparison, os.path.join(self.path, PLOT))

    def checkpoint_path(self, index, cell, seed):
        """Where run ``index`` of the plan (``cell`` with ``seed``) keeps its checkpoint."""
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in cell)
        return os.path.join(self.path, CHECKPOINTS, f"{index:03d}-{safe}-seed{seed}.npz")


def _checked_path(path, option):
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    path = os.fspath(path)
    if not path.strip():
        raise ResultsFolderError(f"{option} needs a folder name, got an empty one", option)
    return path


def _make_folder(path, option):
    if os.path.exists(path) and not os.path.isdir(path):
        raise ResultsFolderError(f"{option} {path}: it is a file, not a folder", option)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        raise ResultsFolderError(f"{option} {path}: cannot make the folder "
                                 f"({describe_os_error(error)})", option) from None


def _check_our_names(path, option):
    """results.json, curves.csv and curves.png must be files (or absent), checkpoints a folder."""
    for name in OUR_NAMES:
        full = os.path.join(path, name)
        if name == CHECKPOINTS:
            if os.path.lexists(full) and not os.path.isdir(full):
                raise ResultsFolderError(f"{option} {path}: {full} is not a folder; minigrad "
                                         f"keeps its checkpoints there", option)
        elif os.path.isdir(full):
            raise ResultsFolderError(f"{option} {path}: {full} is a folder; minigrad writes a "
                                     f"file of that name there", option)


def _read_record(path, option):
    """results.json of ``path``, refused unless minigrad wrote it in a format it reads."""
    results_file = os.path.join(path, RESULTS)
    try:
        with open(results_file, "rb") as file:
            record = json.loads(file.read(64 * 1024 * 1024).decode("utf-8"))
    except OSError as error:
        raise ResultsFolderError(f"{option} {path}: cannot read {RESULTS} "
                                 f"({describe_os_error(error)})", option) from None
    except (ValueError, RecursionError):  # not JSON, not UTF-8, nested absurdly deep
        record = None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        older = isinstance(record, dict) and {"task", "results", "summary"} <= set(record)
        whose = ("an older minigrad, before results folders had a format" if older
                 else "something else")
        raise ResultsFolderError(f"{option} {path}: its {RESULTS} was written by {whose}; "
                                 f"choose another folder (nothing there is overwritten)", option)
    version = record.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
        raise ResultsFolderError(f"{option} {path}: its {RESULTS} has format version "
                                 f"{version!r}, newer than the version {VERSION} this minigrad "
                                 f"reads; use a newer minigrad", option)
    return record


def read_settings(path):
    """The settings recorded in the results folder ``path`` (for the CLI, which must know
    the task before it can read the task's options)."""
    return ResultsFolder.reopen(path).settings


# ------------------------------------------------------------------ curves
def _curves_csv(comparison):
    """The curves as CSV; a sweep's rows end with its grid point (a column per axis)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    axes = list(getattr(comparison, "axes", ()))
    writer.writerow(["step", "cell", "seed", "loss", "score", "grad_norm", *axes])
    points = getattr(comparison, "points", None) or [{}] * len(comparison.results)
    for result, values in zip(comparison.results, points):
        for point in result.curve:
            writer.writerow([point["step"], result.cell, result.seed,
                             _csv_number(point["loss"]), _csv_number(point["score"]),
                             _csv_number(point.get("grad_norm", math.nan)),
                             *(values[axis] for axis in axes)])
    return text.getvalue().encode()


def _csv_number(value):
    return "" if value is None or not math.isfinite(value) else repr(float(value))


def draw_curves(comparison, path):
    """curves.png: each cell's held-out loss against the step (every seed in the cell's
    colour), and the memoryless baseline. Returns notes to show."""
    from .pictures import MISSING, pyplot_or_none, save_png  # pictures imports this module
    pyplot = pyplot_or_none()
    if pyplot is None:
        return [f"curves.png not drawn: {MISSING}"]
    figure, axes = pyplot.subplots(figsize=(7, 4.5))
    colours = {}
    for result in comparison.results:
        steps = [p["step"] for p in result.curve]
        first = result.cell not in colours
        colours.setdefault(result.cell, f"C{len(colours)}")
        axes.plot(steps, [p["loss"] for p in result.curve], color=colours[result.cell],
                  label=result.cell if first else None, alpha=0.9 if first else 0.6)
    if "baseline_loss" in comparison.task:  # a sweep over the task's options has many
        axes.axhline(comparison.task["baseline_loss"], color="grey", linestyle="--",
                     label="memoryless baseline")
    axes.set_xlabel("training step")
    axes.set_ylabel("held-out loss")
    axes.set_yscale("log")
    axes.set_title(f"task {comparison.task['name']}")
    axes.legend()
    figure.tight_layout()
    return [save_png(pyplot, figure, path)]


# ----------------------------------------------------------- comparing settings
class Difference(NamedTuple):
    """One setting a command asks for that differs from the one on record."""
    name: str          # "hidden", "seeds", "cells", or a task option's name
    recorded: Any
    asked: Any
    task_option: bool = False


def setting_differences(recorded, asked, ignore=()):
    """The ``Difference``s between two settings dicts (as ``Plan.settings`` makes them)."""
    recorded, asked = json_ready(recorded), json_ready(asked)
    found = []
    for key in ("cells", "task", "seeds", "cell_options"):
        if key not in ignore and recorded.get(key) != asked.get(key):
            found.append(Difference(key, recorded.get(key), asked.get(key)))
    for group, is_task in (("task_options", True), ("training", False)):
        old, new = recorded.get(group) or {}, asked.get(group) or {}
        for key in sorted(set(old) | set(new)):
            if key not in ignore and old.get(key) != new.get(key):
                found.append(Difference(key, old.get(key), new.get(key), is_task))
    return found


class SettingsMismatch(InvalidRunError):
    """A command asked to continue a run with settings other than those it was run with."""

    def __init__(self, where, differences, hint, option):
        self.where, self.differences, self.hint = where, list(differences), hint
        super().__init__(self.describe(), option)

    def describe(self, name_of=None):
        """The message; ``name_of(difference)`` names a setting (the CLI gives flags)."""
        name_of = name_of or (lambda d: f"task option {d.name}" if d.task_option else d.name)
        shown = [f"{name_of(d)} {_shown(d.recorded)} (asked {_shown(d.asked)})"
                 for d in self.differences]
        return f"{self.where} was run with other settings: {'; '.join(shown)}. {self.hint}"


def _shown(value):
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "none"
    return "none" if value is None else str(value)
