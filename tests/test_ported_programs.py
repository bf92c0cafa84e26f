"""PyTorch programs for recurrent networks, written as PyTorch code (tests/ported/), run
under minigrad with only their imports renamed, and (where torch is installed) under
PyTorch too, printing the same numbers to float32 rounding."""
import re
import types
from pathlib import Path

import numpy as np
import pytest

PORTED = Path(__file__).resolve().parent / "ported"
RENAMES = [  # what "renaming the import" means, line by line
    (r"^import torch\.nn\.functional as F$", "import minigrad.nn.functional as F"),
    (r"^import torch\.nn as nn$", "import minigrad.nn as nn"),
    (r"^import torch$", "import minigrad as torch"),
    (r"^from torch import nn$", "from minigrad import nn"),
    (r"^from torch\.nn import functional as F$", "from minigrad.nn import functional as F"),
    (r"^from torch\.utils\.data import (.*)$", r"from minigrad.utils.data import \1"),
]
PROGRAMS = {  # program -> the calls whose printed numbers are compared
    "word_language_model": [{}, {"rnn_type": "GRU"}],
    "char_rnn_generation": [{}],
    "char_rnn_classification": [{}],
    "d2l_concise_rnn": [{}, {"layer": "GRU"}, {"layer": "LSTM"}],
}


def renamed(source):
    lines = []
    for line in source.splitlines():
        for pattern, replacement in RENAMES:
            line = re.sub(pattern, replacement, line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def load(name, framework):
    """The program as a module, importing ``framework`` ("minigrad" or "torch")."""
    path = PORTED / f"{name}.py"
    source = path.read_text()
    if framework == "minigrad":
        source = renamed(source)
    module = types.ModuleType(f"ported_{name}_{framework}")
    module.__file__ = str(path)
    exec(compile(source, str(path), "exec"), module.__dict__)  # noqa: S102
    return module


def test_the_renaming_touches_import_lines_only_and_leaves_no_torch_import():
    for name in PROGRAMS:
        source = (PORTED / f"{name}.py").read_text()
        changed = [(a, b) for a, b in zip(source.splitlines(), renamed(source).splitlines())
                   if a != b]
        assert changed and all(a.startswith(("import ", "from ")) for a, _ in changed), name
        assert not re.search(r"^(import|from) torch\b", renamed(source), re.M), name


@pytest.mark.parametrize("name,kwargs", [(n, k) for n, calls in PROGRAMS.items() for k in calls])
def test_each_program_runs_under_minigrad_and_learns(name, kwargs, capsys):
    numbers = load(name, "minigrad").main(**kwargs)
    assert all(np.isfinite(numbers)) and numbers[-1] < numbers[0]


# random_split draws from the framework's own generator (NumPy's here), so the
# classification tutorial splits its names differently under torch: it runs and learns
# (above), but its numbers can't be compared.
DIFFERENT_RANDOM_NUMBERS = {"char_rnn_classification"}


@pytest.mark.parametrize("name,kwargs", [(n, k) for n, calls in PROGRAMS.items() for k in calls
                                         if n not in DIFFERENT_RANDOM_NUMBERS])
def test_each_program_prints_pytorchs_numbers(torch, name, kwargs, capsys):
    ours = load(name, "minigrad").main(**kwargs)
    ours_printed = capsys.readouterr().out
    theirs = load(name, "torch").main(**kwargs)
    theirs_printed = capsys.readouterr().out
    np.testing.assert_allclose(ours, theirs, rtol=2e-4)

    def generated(printed):  # what the model wrote, token by token: must be identical
        return [line for line in printed.splitlines() if line.startswith(("samples", "predicted"))]
    assert generated(ours_printed) == generated(theirs_printed)
