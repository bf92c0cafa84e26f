"""Generate the op reference at the end of docs/writing-a-cell-plugin.md.

    python tests/op_reference.py           # print the section
    python tests/op_reference.py --write   # rewrite it in the page, in place

Everything in the section comes from the code: the op table ``minigrad.ops._METHODS``
(which makes the ops Tensor methods and operators), the op functions of ``minigrad.ops``
and of ``minigrad`` itself, the public functions of ``minigrad.nn.functional``, and a
short hand-picked list of Tensor methods from tensor.py (``TENSOR`` below). Each entry
shows how it is called, its signature and the summary of its docstring.
tests/test_op_reference.py fails when the page's section differs from what this writes.
"""
import inspect
import re
import sys
from pathlib import Path

import minigrad
import minigrad.nn.functional as F
from minigrad import Tensor, ops

DOC = Path(__file__).resolve().parent.parent / "docs" / "writing-a-cell-plugin.md"
START, END = "<!-- op-reference:start -->", "<!-- op-reference:end -->"
COMMAND = "python tests/op_reference.py --write"

# How each operator in the op table is written; {0} and {1} are the op's parameter names.
# A reflected operator (__radd__: a number on the left) is shown beside its forward one.
OPERATORS = {
    "__add__": "{0} + {1}", "__radd__": "2 + {0}", "__sub__": "{0} - {1}", "__rsub__": "2 - {0}",
    "__mul__": "{0} * {1}", "__rmul__": "2 * {0}", "__truediv__": "{0} / {1}",
    "__rtruediv__": "2 / {0}", "__pow__": "{0} ** {1}", "__rpow__": "2 ** {0}", "__neg__": "-{0}",
    "__matmul__": "{0} @ {1}", "__rmatmul__": "array @ {0}", "__abs__": "abs({0})",
    "__getitem__": "{0}[{1}]", "__eq__": "{0} == {1}", "__ne__": "{0} != {1}",
    "__lt__": "{0} < {1}", "__le__": "{0} <= {1}", "__gt__": "{0} > {1}", "__ge__": "{0} >= {1}",
}

# The sections, in order: (title, modules whose op functions go there, an opening sentence).
GROUPS = [
    ("Arithmetic and operators", ["minigrad.ops.arithmetic"],
     "Operands broadcast as in NumPy, and a Python number works on either side "
     "(`2 * x`, `x ** 2`, `1 - x`)."),
    ("Elementwise functions and comparisons", ["minigrad.ops.elementwise", "minigrad.ops.special"],
     ""),
    ("Activations", ["minigrad.ops.activation"],
     "The activations beyond `tanh`, `sigmoid` and `relu`. `minigrad.nn.functional` has them "
     "under PyTorch's signatures, and `minigrad.nn` as modules (`nn.GELU`)."),
    ("Reductions", ["minigrad.ops.reduction"],
     "`dim` is an int, a tuple of ints or None (all dimensions); `keepdim=True` keeps the "
     "reduced dimensions with size 1. As in PyTorch, NumPy's `axis=` and `keepdims=` work "
     "too, here and wherever an op takes `dim`."),
    ("Sorting and selecting", ["minigrad.ops.selection"],
     "With `dim`, `max` and `min` return the named tuple `(values, indices)`, as `sort` and "
     "`topk` do (`values, indices = x.max(dim=1)`); the indices are int64."),
    ("Shape", ["minigrad.ops.shape"], ""),
    ("Indexing, joining and splitting", ["minigrad.ops.indexing"], ""),
    ("Softmax", ["minigrad.ops.softmax"], ""),
    ("Networks: `minigrad.nn.functional`", ["minigrad.ops.nn_ops", "minigrad.nn.functional"],
     "Layers, losses and dropout, as in `torch.nn.functional`."),
    ("Tensor: describing and converting", ["minigrad.ops.conversion"], ""),
    ("Tensor: making tensors like it", ["minigrad.creation"],
     "A new leaf tensor with x's dtype and device, unless `dtype=` or `device=` says "
     "otherwise."),
    ("Tensor: autograd", [], ""),
    ("Tensor: changing values in place", [],
     "Refused on a tensor that requires grad while gradients are recorded (its gradient "
     "would be wrong): use them under `with minigrad.no_grad():`, to initialise or update "
     "weights."),
]

# Tensor attributes from tensor.py (and the properties T, mT) that a cell's author uses.
TENSOR = {
    "Shape": ["T", "mT"],
    "Tensor: describing and converting": [
        "shape", "dtype", "device", "ndim", "size", "dim", "numel", "item", "tolist", "numpy",
        "detach", "detach_", "cpu", "cuda", "float", "double", "half", "long", "int", "bool",
        "type"],
    "Tensor: autograd": ["requires_grad", "requires_grad_", "grad", "backward", "grad_fn",
                         "is_leaf", "retain_grad", "register_hook"],
    "Tensor: changing values in place": ["data", "__setitem__", "copy_", "fill_", "zero_",
                                         "add_", "sub_", "mul_"],
}
# Public Tensor attributes deliberately not listed, and why.
LEFT_OUT = {
    "array": "the raw NumPy/CuPy array that the ops read; a cell built from ops never needs it",
    "xp": "the array module of `array` (numpy or cupy), for writing ops",
}
TENSOR_FALLBACK = "As in PyTorch."  # for a Tensor attribute without a docstring


class Entry:
    """One row: an op with every spelling of it, or a Tensor attribute."""

    def __init__(self, group, order, signature, summary, function=None):
        self.group, self.order, self.signature, self.summary = group, order, signature, summary
        self.function = function  # the op (None for a Tensor attribute)
        self.calls = []  # (spelling, is_alias)


def summary(obj):
    """The first paragraph of ``obj``'s docstring on one line (and the next paragraph too
    when the first ends with a colon), in Markdown; "" when there is none."""
    doc = getattr(obj, "__doc__", None)
    if not doc:
        return ""
    paragraphs = re.split(r"\n\s*\n", inspect.cleandoc(doc))
    text = paragraphs[0]
    if text.endswith(":") and len(paragraphs) > 1:
        text += " " + paragraphs[1]
    return " ".join(text.split()).replace("``", "`")


def _group_of(function):
    module = function.__module__
    for title, modules, _ in GROUPS:
        if module in modules:
            return title, modules.index(module)
    raise LookupError(f"{function.__name__} comes from {module}, which has no section: add it "
                      f"to GROUPS in tests/op_reference.py")


def _function_names(function):
    """Where ``function`` is public: minigrad.X and F.X (aliases too: minigrad.concat),
    else minigrad.ops.X by its own name (``minigrad.ops.view`` is ``reshape``, whose row
    already says x.view is an alias)."""
    names = [(f"minigrad.{n}", n) for n, v in vars(minigrad).items() if v is function]
    names += [(f"F.{n}", n) for n, v in vars(F).items() if v is function]
    if names:
        return names
    names = [(f"minigrad.ops.{n}", n) for n, v in vars(ops).items() if v is function]
    return [(spelled, n) for spelled, n in names if n == function.__name__] or names


def _operator(name, function):
    if name not in OPERATORS:
        raise LookupError(f"the op table has {name}, which has no spelling: add it to "
                          f"OPERATORS in tests/op_reference.py")
    return OPERATORS[name].format(*inspect.signature(function).parameters)


def op_entries():
    """One Entry per op function: those in the op table, then the other public functions
    of minigrad.ops and minigrad.nn.functional (cat, where, cross_entropy, ...)."""
    entries = {}  # id(function) -> Entry

    def entry(function):
        key = id(function)
        if key not in entries:
            title, module_rank = _group_of(function)
            code = inspect.unwrap(function).__code__  # the op itself, not a decorator's wrapper
            order = (module_rank, code.co_firstlineno, len(entries))
            entries[key] = Entry(title, order, str(inspect.signature(function)),
                                 summary(function), function)
        return entries[key]

    table = ops._METHODS
    reflected = {name for name in table
                 if name.startswith("__r") and "__" + name[3:] in table}
    for name, function in table.items():
        if name in reflected:  # __radd__ goes in add's row, after a + b
            forward = table["__" + name[3:]]
            entry(forward).calls.insert(1, (_operator(name, forward), False))
        elif name.startswith("__"):
            entry(function).calls.append((_operator(name, function), False))
        else:
            first = next(iter(inspect.signature(function).parameters))
            entry(function).calls.append((f"{first}.{name}", name != function.__name__))

    helpers = {id(table[name]) for name in reflected}  # radd, rsub, ...: no row of their own
    for module in (ops, F):
        for name, function in vars(module).items():
            if (not name.startswith("_") and inspect.isfunction(function)
                    and function.__module__.startswith(("minigrad.ops", "minigrad.nn"))
                    and id(function) not in helpers
                    and not isinstance(inspect.getattr_static(Tensor, name, None), property)):
                entry(function)
    for e in entries.values():
        e.calls += [(spelled, name != e.function.__name__)
                    for spelled, name in _function_names(e.function)]
    return list(entries.values())


def tensor_entries():
    """One Entry per attribute in TENSOR."""
    out = []
    for title, names in TENSOR.items():
        for rank, name in enumerate(names):
            attribute = inspect.getattr_static(Tensor, name)
            if isinstance(attribute, property):
                signature, doc = "property", summary(attribute.fget)
            elif inspect.isfunction(attribute):
                signature, doc = str(inspect.signature(attribute)), summary(attribute)
            else:  # a slot
                signature, doc = "attribute", ""
            e = Entry(title, (len(GROUPS), rank, 0), signature, doc or TENSOR_FALLBACK)
            e.calls.append(("x[index] = value" if name == "__setitem__" else f"x.{name}", False))
            out.append(e)
    return out


def _cell(text):
    return text.replace("|", "\\|")


def generate():
    """The whole section, from START to END, as Markdown."""
    entries = op_entries() + tensor_entries()
    lines = [
        START,
        "## Reference: every op a cell can use",
        "",
        "<!-- Generated by tests/op_reference.py from the op table; do not edit by hand. -->",
        "This section is generated from the code (the op table `minigrad.ops._METHODS`, the "
        "op functions and `minigrad.nn.functional`), and the test suite fails when it is out "
        f"of date; regenerate it with `{COMMAND}`.",
        "",
        "Each row lists every spelling of one op: the operator, the Tensor method, the "
        "function. The signature is the function's; a method takes the same arguments after "
        "the first (`x.sum(dim=1)` is `minigrad.sum(x, dim=1)`). `F` is "
        "`minigrad.nn.functional`. The description is the op's docstring, which gives the "
        "derivative where there is one.",
    ]
    for title, _, intro in GROUPS:
        rows = sorted((e for e in entries if e.group == title), key=lambda e: e.order)
        if not rows:
            continue
        lines += ["", f"### {title}", ""]
        if intro:
            lines += [intro, ""]
        lines += ["| Call | Signature | Description |", "|---|---|---|"]
        for e in rows:
            calls = ", ".join(f"`{c}` (alias)" if alias else f"`{c}`" for c, alias in e.calls)
            signature = e.signature if e.signature in ("property", "attribute") \
                else f"`{e.signature}`"
            lines.append(f"| {_cell(calls)} | {_cell(signature)} | {_cell(e.summary)} |")
    lines.append(END)
    return "\n".join(lines) + "\n"


def section_of(text):
    """The part of ``text`` from START to END inclusive (with its newline), or None."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        return None
    return text[start:end + len(END) + 1]


def updated(text):
    """``text`` with its section replaced by a fresh one (appended when there is none)."""
    old = section_of(text)
    if old is None:
        return text.rstrip("\n") + "\n\n" + generate()
    return text.replace(old, generate())


def main(argv):
    if argv == ["--write"]:
        text = DOC.read_text(encoding="utf-8")
        DOC.write_text(updated(text), encoding="utf-8")
        print(f"wrote the op reference into {DOC}")
    elif not argv:
        sys.stdout.write(generate())
    else:
        sys.exit(f"usage: {COMMAND}   (or without --write to print the section)")


if __name__ == "__main__":
    main(sys.argv[1:])
