"""Checkpoints: ``save(obj, f)`` and ``load(f)``, as ``.npz`` files read without pickle.

    minigrad.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": 100},
                  "run/ckpt.npz")
    checkpoint = minigrad.load("run/ckpt.npz")
    model.load_state_dict(checkpoint["model"])

``f`` is a path or a file object opened in binary mode (``open(..., "wb")``,
``io.BytesIO()``), as for ``torch.save`` and ``torch.load``. What can be saved is what
PyTorch programs save: state dicts, optimizer state dicts, and dicts, lists and tuples
of tensors, arrays, numbers, strings, booleans and None, nested freely.

File layout: an ordinary, uncompressed NumPy ``.npz`` (a zip of ``.npy`` members) holding

* ``a0.npy``, ``a1.npy``, ...  one member per array in ``obj``, dtype and shape as saved;
* ``minigrad_header.npy``      a 0-d string array whose text is JSON::

      {"format": "minigrad-checkpoint", "version": 1,
       "root": {"dict": [["model", {"dict": [["weight_ih_l0", {"tensor": "a0"}], ...]}],
                         ["step", 100]]}}

In ``root`` a JSON number, string, true/false or null stands for that Python value. Anything
else is an object with one key that names its kind: ``{"dict": [[key, value], ...]}`` (str or
int keys, order kept), ``{"list": [...]}``, ``{"tuple": [...]}``, and the array leaves
``{"tensor": member}``, ``{"array": member}`` and ``{"scalar": member}`` (a NumPy scalar).

``load`` never unpickles anything and trusts nothing it reads: it opens only a regular file
(a named pipe or a device would block or never end), refuses a header nested more than
``MAX_DEPTH`` levels deep, a tensor of anything but numbers, and an array member whose
``.npy`` header declares more data than the member holds (or than the machine's memory),
each named by its place in the checkpoint. Saving to a path writes a temporary file beside it and
renames it over the path only once it is complete, so a crash never leaves half a checkpoint.
A whole Module is not saved (it is code, which only pickle could store): save its
``state_dict()`` and load that into a model your code builds.
"""
import contextlib
import errno
import io
import json
import math
import os
import stat
import sys
import uuid
import zipfile

import numpy

from . import backend, memory
from .tensor import Tensor

FORMAT = "minigrad-checkpoint"
VERSION = 1
HEADER = "minigrad_header"  # the name of the header member (numpy adds ".npy")
MAX_DEPTH = 100  # how deeply the values of a checkpoint may nest (a state_dict: 2 or 3)


class CheckpointError(ValueError):
    """The file is not a checkpoint ``load`` can trust: truncated, corrupt or foreign."""


# ---------------------------------------------------------------------------- save
def save(obj, f):
    """Write ``obj`` to ``f``: a path (exactly that path; no ``.npz`` is appended) or a
    file object opened for binary writing.

    ``obj`` may be a Tensor, a NumPy or CuPy array, a NumPy scalar, ``int``, ``float``,
    ``bool``, ``str``, ``None``, or a list, tuple or dict (with str or int keys) of these,
    nested freely. Anything else raises TypeError naming where it was found, before
    anything is written.
    """
    members = {}
    root = _encode(obj, members, "")  # may raise TypeError: before any file is touched
    members[HEADER] = numpy.array(json.dumps({"format": FORMAT, "version": VERSION,
                                              "root": root}))
    if _is_file_object(f, "write"):
        numpy.savez(f, **members)
    else:
        _write_atomically(os.fspath(f), members)


def _encode(value, members, where):
    """The JSON node that stands for ``value``; its arrays are added to ``members``."""
    if isinstance(value, Tensor):
        return _array_node("tensor", backend.to_numpy(value.array), members, where)
    if isinstance(value, numpy.generic):  # before float: numpy.float64 is a float
        return _array_node("scalar", numpy.asarray(value), members, where)
    if isinstance(value, numpy.ndarray) or _is_cupy_array(value):
        return _array_node("array", backend.to_numpy(value), members, where)
    if value is None or isinstance(value, (bool, int, float, str)):
        return str(value) if isinstance(value, str) else value  # a device is saved as its name
    if isinstance(value, dict):
        pairs = []
        for key, item in value.items():
            if not _valid_key(key):
                raise TypeError(f"{where or 'top level'}: cannot save a dict key of type "
                                f"{type(key).__name__} ({key!r}); keys must be str or int")
            pairs.append([key, _encode(item, members, _join(where, key))])
        return {"dict": pairs}
    if isinstance(value, (list, tuple)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {kind: [_encode(item, members, _join(where, i)) for i, item in enumerate(value)]}
    place = f"{where}: " if where else ""
    if callable(getattr(value, "state_dict", None)):  # a Module, an optimizer, a scheduler
        raise TypeError(f"{place}cannot save a whole {type(value).__name__}: save its "
                        f"state_dict() instead, e.g. minigrad.save(model.state_dict(), path), "
                        f"and load that into an object your code builds")
    raise TypeError(f"{place}cannot save a {type(value).__name__} (a checkpoint holds "
                    f"Tensors, arrays, numbers, strings, None, lists, tuples and dicts)")


def _array_node(kind, array, members, where):
    if array.dtype.hasobject:
        raise TypeError(f"{where}: cannot save an array of Python objects (dtype "
                        f"{array.dtype}); it could only be read back by unpickling")
    name = f"a{len(members)}"
    members[name] = array
    return {kind: name}


def _write_atomically(path, members):
    """Write the archive to a fresh temporary file in the same folder, then rename it."""
    folder, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(temporary, "xb") as file:  # a file object: numpy appends no ".npz"
            numpy.savez(file, **members)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)  # atomic: readers see the old file or the new one
    except BaseException:  # KeyboardInterrupt too
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


# ---------------------------------------------------------------------------- load
def load(f, map_location=None, weights_only=None):
    """Read a checkpoint written by ``save`` from ``f`` (a path or a binary file object)
    and return what was saved.

    Tensors come back as Tensors (plain leaves, not requiring grad) and arrays as arrays,
    with the same dtypes and shapes, on ``map_location`` ("cpu" by default, "cuda",
    "cuda:1" or a ``minigrad.device``). ``weights_only`` is accepted for PyTorch's sake:
    nothing is ever unpickled, so every load is weights-only. Raises CheckpointError,
    naming the file, for anything truncated, corrupt or not written by ``save``.
    """
    if isinstance(map_location, dict) or callable(map_location):
        raise TypeError(f"map_location must be a device or its name ('cpu', 'cuda', "
                        f"'cuda:1') or None; minigrad takes no {type(map_location).__name__} "
                        f"there, since it loads every tensor onto the one device")
    device = backend.parse_device(map_location)
    if _is_file_object(f, "read"):
        name = _file_object_name(f)
        _check_signature(name, _peek(f, name))
        return _read(f, name, device)
    name = os.fspath(f)
    with _open_regular_file(name) as file:
        _check_signature(name, file.read(4))
        file.seek(0)
        return _read(file, name, device)


def _read(file, name, device):
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as e:
        raise _refusal(name, f"the zip archive is truncated or corrupt ({e})") from e
    with archive:
        reader = _Reader(archive, name, device)
        return reader.decode(reader.header_root(), "", 0)


def _is_file_object(f, method):
    """True for an open file (or BytesIO); refuses one opened in text mode."""
    if not callable(getattr(f, method, None)):
        return False
    if isinstance(f, io.TextIOBase):
        mode = "wb" if method == "write" else "rb"
        raise TypeError(f"a checkpoint is binary: open the file with mode {mode!r}, not in "
                        f"text mode")
    return True


def _file_object_name(f):
    name = getattr(f, "name", None)
    return str(name) if isinstance(name, (str, bytes, os.PathLike)) else \
        f"<{type(f).__name__} object>"


def _open_regular_file(path):
    """``path`` opened for reading, once it is known to be a regular file. Opened without
    blocking, so that a named pipe swapped in after the check cannot hang the open."""
    try:
        _check_regular(path, os.stat(path).st_mode)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "no checkpoint file at this path", path) from None
    try:
        _check_regular(path, os.fstat(fd).st_mode)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


_NOT_REGULAR = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"),
                (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                (stat.S_ISSOCK, "a socket"))


def _check_regular(path, mode):
    if not stat.S_ISREG(mode):
        kind = next((what for test, what in _NOT_REGULAR if test(mode)), "not a file")
        raise _refusal(path, f"it is {kind}, not a regular file")


def _peek(f, name):
    """The first 4 bytes from the file object's position, which is then put back."""
    try:
        start = f.tell()
        first = f.read(4)
        f.seek(start)
    except (OSError, AttributeError) as e:
        raise _refusal(name, f"the file object cannot seek ({e}); a zip archive is read from "
                             f"its end, so read the bytes into io.BytesIO first") from e
    return first


def _check_signature(name, start):
    """Refuse files that are not zip archives before numpy guesses at them."""
    if not start:
        raise _refusal(name, "the file is empty")
    if start == b"\x93NUM":
        raise _refusal(name, "it is a single .npy array, not an .npz checkpoint")
    if start not in (b"PK\x03\x04", b"PK\x05\x06"):  # a zip's first record, or an empty zip
        raise _refusal(name, f"it is not an .npz (zip) archive: it starts with {start!r}")


class _Reader:
    """Turns the header's JSON back into Python values, reading arrays as it meets them."""

    def __init__(self, archive, path, device):
        self.archive, self.path, self.device = archive, path, device
        self.members = {info.filename[:-len(".npy")]: info for info in archive.infolist()
                        if info.filename.endswith(".npy")}  # by name without ".npy"

    def header_root(self):
        if HEADER not in self.members:
            found = ", ".join(sorted(self.members)[:8]) or "none"
            raise _refusal(self.path, f"it has no '{HEADER}' member, so it is an .npz not "
                                      f"written by minigrad.save (members: {found})")
        text = self.array(HEADER, "the header")
        if text.shape != () or text.dtype.kind != "U":
            raise _refusal(self.path, f"the header is not a JSON string (a {text.dtype} array "
                                      f"of shape {text.shape})")
        try:
            header = json.loads(text.item())
        except json.JSONDecodeError as e:
            raise _refusal(self.path, f"the header is not valid JSON ({e})") from e
        except RecursionError:
            raise _refusal(self.path, f"the header is nested too deeply to read (a "
                                      f"checkpoint is at most {MAX_DEPTH} levels deep)") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT or "root" not in header:
            raise _refusal(self.path, f"the header does not describe a {FORMAT!r} file")
        if header.get("version") != VERSION:
            raise _refusal(self.path, f"unknown format version {header.get('version')!r} (this "
                                      f"minigrad reads version {VERSION}; a newer file needs a "
                                      f"newer minigrad)")
        return header["root"]

    def decode(self, node, where, depth):
        if depth > MAX_DEPTH:
            raise _refusal(self.path, f"the header nests values more than {MAX_DEPTH} levels "
                                      f"deep (at {where}), more than a checkpoint holds")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, dict) and len(node) == 1:
            [(kind, body)] = node.items()
            if kind in ("tensor", "array", "scalar") and isinstance(body, str):
                array = self.array(body, where or "the top level")
                if kind == "scalar":
                    return array[()]
                if kind == "tensor" and array.dtype.kind not in "biufc":
                    raise _refusal(self.path, f"the tensor at {where or 'the top level'} "
                                              f"(member '{body}.npy') holds {array.dtype} "
                                              f"values, not numbers")
                array = backend.to_device(array, self.device)
                return Tensor(array) if kind == "tensor" else array
            if kind in ("list", "tuple") and isinstance(body, list):
                items = [self.decode(item, _join(where, i), depth + 1)
                         for i, item in enumerate(body)]
                return tuple(items) if kind == "tuple" else items
            if kind == "dict" and isinstance(body, list) and all(map(_valid_pair, body)):
                return {key: self.decode(item, _join(where, key), depth + 1)
                        for key, item in body}
        shown = json.dumps(node)
        raise _refusal(self.path, f"the header is malformed at {where or 'the top level'}: "
                                  f"unexpected {shown[:60] + '...' if len(shown) > 60 else shown}")

    def array(self, name, what):
        if name not in self.members:
            raise _refusal(self.path, f"the array for {what} (member '{name}.npy') is missing")
        info = self.members[name]
        try:
            with self.archive.open(info) as member:
                self._check_declared_size(member, info, what)
            with self.archive.open(info) as member:
                return numpy.lib.format.read_array(member, allow_pickle=False)
        except CheckpointError:
            raise
        except (ValueError, EOFError, OSError, zipfile.BadZipFile) as e:
            raise _refusal(self.path, f"the array for {what} (member '{name}.npy') cannot be "
                                      f"read: {e}") from e

    def _check_declared_size(self, member, info, what):
        """Read the member's .npy header and refuse, before any data is read, an array of
        Python objects or one that declares more bytes than the member holds."""
        where = f"the array for {what} (member '{info.filename}')"
        try:
            version = numpy.lib.format.read_magic(member)
        except ValueError:
            raise _refusal(self.path, f"member '{info.filename}' for {what} is not a .npy "
                                      f"array") from None
        readers = {(1, 0): numpy.lib.format.read_array_header_1_0,
                   (2, 0): numpy.lib.format.read_array_header_2_0}
        if version not in readers:
            raise _refusal(self.path, f"{where} is in .npy format version {version}, which "
                                      f"minigrad does not read (it writes 1.0)")
        shape, _, dtype = readers[version](member)
        if dtype.hasobject:
            raise _refusal(self.path, f"{where} holds Python objects (dtype {dtype}), which "
                                      f"only unpickling could read, and checkpoints are read "
                                      f"with allow_pickle=False")
        declared = math.prod(shape) * dtype.itemsize
        held = info.file_size - member.tell()
        if declared > held:
            raise _refusal(self.path, f"{where} declares shape {shape} of {dtype} "
                                      f"({memory.describe_bytes(declared)}) but holds only "
                                      f"{memory.describe_bytes(held)}: the file is corrupt")
        problem = memory.shortfall(declared)
        if problem:
            raise _refusal(self.path, f"{where} needs {problem}")


# ---------------------------------------------------------------------------- helpers
def _refusal(path, what):
    return CheckpointError(f"cannot load checkpoint '{path}': {what}")


def _valid_key(key):
    return isinstance(key, (str, int)) and not isinstance(key, bool)


def _valid_pair(pair):
    return isinstance(pair, list) and len(pair) == 2 and _valid_key(pair[0])


def _join(where, key):
    """The dotted path of a value, for messages: ``optimizer.state.0.exp_avg``."""
    return f"{where}.{key}" if where else str(key)


def _is_cupy_array(value):
    cupy = sys.modules.get("cupy")  # if CuPy was never imported, nothing is a CuPy array
    return cupy is not None and isinstance(value, cupy.ndarray)
