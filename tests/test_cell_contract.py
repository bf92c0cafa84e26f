"""The contract between the runner and a cell, each promise tested where it can break:

* the fast paths (the fused sequence op and the per-step one) stand in for ``forward``
  only when they belong to the class whose ``forward`` they replace: a subclass of every
  built-in cell that overrides ``forward`` runs it (and one that says
  ``fast_path_agrees`` does not);
* options and init schemes are declared: a real third-party package (installed through
  its entry point) declares an option and the chrono scheme, gets them through
  ``minigrad.train`` and the CLI, and receives the task's delay;
* a scheme a cell does not support, or declares but cannot apply, is refused before
  training with what it does support;
* wrappers are factories: ``bi`` makes cells like any factory, and a third party's
  wrapper written as a plain function works the same way.
"""
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import minigrad
from minigrad import nn
from minigrad import plugin_manager as pm
from minigrad.cli.main import main as cli
from minigrad.nn import Parameter, Recurrent, RecurrentCell
from minigrad.training import InvalidRunError

from test_third_party_plugin import install, make_package  # noqa: E402 - shared helpers

BUILTIN_CELLS = ["rnn", "rnn-relu", "gru", "gru-v3", "gru-simple", "lstm", "peephole-lstm"]
FUSED_CELLS = {"rnn", "rnn-relu", "gru", "lstm"}
NO_SEQUENCE_OP = set()  # built-ins run by the generic per-step loop only (none today)
SEQUENCE_OP_CELLS = [name for name in BUILTIN_CELLS if name not in NO_SEQUENCE_OP]
TINY = dict(hidden=8, batch=4, steps=4, eval_every=2, task_options={"length": 1, "delay": 3,
                                                                     "symbols": 2})


@pytest.fixture(autouse=True)
def fresh_registry(real_registry):
    """The real registry (conftest.py), and the package a test installed forgotten."""
    yield
    sys.modules.pop("minigrad_janet", None)


def counting_subclass(name, fast_path_agrees=False):
    """A subclass of the built-in cell ``name`` whose forward counts its calls and then
    does exactly what the parent's forward does."""
    parent = pm.get_cell(name).factory

    class Counting(parent):
        calls = 0

        def forward(self, x, state):
            type(self).calls += 1
            return super().forward(x, state)

    Counting.fast_path_agrees = fast_path_agrees
    return Counting


# --------------------------------------------------------------------------------------
# the fast path is safe

@pytest.mark.parametrize("name", BUILTIN_CELLS)
def test_a_subclass_that_overrides_forward_runs_its_forward(name, rng):
    subclass = counting_subclass(name)
    layer = Recurrent(subclass, 3, 4, num_layers=2, bidirectional=True, dtype="float64")
    reference = Recurrent(name, 3, 4, num_layers=2, bidirectional=True, dtype="float64")
    reference.load_state_dict(layer.state_dict())
    reference.use_fast_path = reference.fused = False
    x = minigrad.tensor(rng.standard_normal((5, 2, 3)))
    output, _ = layer(x)
    assert subclass.calls == 5 * 2 * 2  # every step, layer and direction
    np.testing.assert_array_equal(output.detach().numpy(), reference(x)[0].detach().numpy())


@pytest.mark.parametrize("name", BUILTIN_CELLS)
def test_a_subclass_that_keeps_forward_keeps_the_fast_path(name):
    class Plain(pm.get_cell(name).factory):
        pass
    assert Plain.has_fast_path() == (name in FUSED_CELLS)
    assert Plain.has_fused_path() == (name not in NO_SEQUENCE_OP)


@pytest.mark.parametrize("name", sorted(FUSED_CELLS))
def test_fast_path_agrees_declares_the_inherited_fast_path_still_right(name, rng):
    subclass = counting_subclass(name, fast_path_agrees=True)
    layer = Recurrent(subclass, 3, 4, dtype="float64")
    layer(minigrad.tensor(rng.standard_normal((5, 2, 3))))
    assert subclass.calls == 0  # the fused sequence op ran instead
    layer.fused = False
    layer(minigrad.tensor(rng.standard_normal((5, 2, 3))))
    assert subclass.calls == 0  # the fused step ran instead
    layer.use_fast_path = False
    layer(minigrad.tensor(rng.standard_normal((5, 2, 3))))
    assert subclass.calls == 5


@pytest.mark.parametrize("name", SEQUENCE_OP_CELLS)
def test_fast_path_agrees_keeps_the_inherited_fused_sequence_op(name, rng):
    subclass = counting_subclass(name, fast_path_agrees=True)
    output, _ = Recurrent(subclass, 3, 4)(minigrad.randn(5, 2, 3, requires_grad=True))
    assert subclass.calls == 0
    assert output.grad_fn.endswith("_sequence")


@pytest.mark.parametrize("name", BUILTIN_CELLS)
def test_a_subclass_that_overrides_only_the_fused_op_runs_the_plain_forward(name):
    class OwnFusedOp(pm.get_cell(name).factory):
        def fused_sequence(self, inputs, state, reverse, lengths):
            raise AssertionError("the runner took a fused op this class's forward does not own")

    assert not OwnFusedOp.has_fused_path()
    output, _ = Recurrent(OwnFusedOp, 3, 4)(minigrad.randn(4, 2, 3))
    assert output.shape == (4, 2, 4)


def test_a_subclass_that_overrides_only_step_runs_the_plain_forward():
    parent = pm.get_cell("lstm").factory

    class OwnStep(parent):
        def step(self, projected, state):
            raise AssertionError("the runner took a step this class's forward does not own")

    layer = Recurrent(OwnStep, 3, 4)
    output, _ = layer(minigrad.randn(4, 2, 3))
    assert output.shape == (4, 2, 4)


# --------------------------------------------------------------------------------------
# a real third-party package with an option and the chrono scheme

JANET = '''
"""JANET, the forget-gate-only LSTM (van der Westhuizen & Lasenby 2018):

    s  = W_f x + U_f h + b_f
    c' = σ(s) ⊙ c + (1 - σ(s - β)) ⊙ tanh(W_c x + U_c h + b_c),   h' = c'
"""
import numpy

import minigrad
from minigrad.nn import Parameter, RecurrentCell
from minigrad.options import Option


class JANETCell(RecurrentCell):
    options = (Option("beta", 1.0, type=float, min=0, help="β, the input gate's shift"),)
    init_schemes = ("default", "chrono")
    recommended_init = "chrono"

    def __init__(self, input_size, hidden_size, beta=1.0):
        super().__init__(input_size, hidden_size)
        self.beta = beta
        scale = hidden_size ** -0.5
        self.W = Parameter(minigrad.randn(input_size, 2 * hidden_size) * scale)
        self.U = Parameter(minigrad.randn(hidden_size, 2 * hidden_size) * scale)
        self.b = Parameter(minigrad.zeros(2 * hidden_size))
        self.received_delay = None

    def forward(self, x, state):
        (h,) = state
        s, candidate = (x @ self.W + h @ self.U + self.b).chunk(2, dim=-1)
        h = s.sigmoid() * h + (1 - (s - self.beta).sigmoid()) * candidate.tanh()
        return h, (h,)

    def init_weights(self, scheme, context):
        if scheme == "chrono":
            self.received_delay = context.max_delay
            H, T = self.hidden_size, context.max_delay
            forget = numpy.log(numpy.random.default_rng(0).uniform(1, T - 1, H))
            with minigrad.no_grad():
                self.b[:H] = minigrad.tensor(forget, dtype=self.b.dtype)
        else:
            super().init_weights(scheme, context)


class ClaimsOrthogonal(JANETCell):
    """Declares a scheme it has no way to apply (names no recurrent matrix)."""
    init_schemes = ("default", "orthogonal")
    recommended_init = "default"


@minigrad.hookimpl
def minigrad_register_cells(register):
    register("janet", JANETCell, description="forget-gate-only LSTM")
    register("claims-orthogonal", ClaimsOrthogonal, description="a broken declaration")
'''


@pytest.fixture
def janet(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    site.mkdir()
    project = make_package(tmp_path, "minigrad-janet", "minigrad_janet", JANET)
    install(project, site, monkeypatch)
    pm.reset()
    return site, project


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


COPY = ["--task", "copy", "--length", "1", "--delay", "3", "--symbols", "2"]
FAST = ["--hidden", "8", "--batch", "4", "--steps", "4", "--eval-every", "2"]


def test_a_third_party_cell_lists_its_options_and_schemes(janet):
    rows = {r["name"]: r for r in json.loads(invoke("cells", "--json").stdout)}
    assert rows["janet"]["options"][0]["name"] == "beta"
    assert rows["janet"]["options"][0]["default"] == 1.0
    assert rows["janet"]["init_schemes"] == ["default", "chrono"]
    assert rows["bi-janet"]["recommended_init"] == "chrono"


def test_a_third_party_cell_option_and_chrono_through_train(janet):
    result = minigrad.train("janet", "copy", cell_options={"beta": "2.5"}, **TINY)
    cell = result.model.rnn.cells[0][0]
    assert cell.beta == 2.5  # converted by the declared option's type
    task = minigrad.training.make_task("copy", **TINY["task_options"])
    assert cell.received_delay == task.seq_len  # chrono learns the task's delay
    H = cell.hidden_size
    forget = cell.b.detach().numpy()[:H]
    assert result.error is None and (forget >= 0).all() and (forget <= math.log(task.seq_len)).all()


def test_a_third_party_cell_option_through_the_cli_for_one_cell_of_a_comparison(janet):
    result = invoke("compare", "--cells", "janet,lstm", *COPY, *FAST,
                    "--cell-opt", "janet:beta=0.5", "--json")
    assert result.exit_code == 0, result.stderr
    assert "janet (init chrono T=" in result.stderr and "beta=0.5" in result.stderr
    cells = json.loads(result.stdout)["config"]["cells"]
    assert cells == {"janet": {"init": "chrono", "options": {"beta": 0.5}},
                     "lstm": {"init": "chrono", "options": {}}}


def test_a_bad_third_party_option_value_exits_2(janet):
    result = invoke("compare", "--cells", "janet", *COPY, *FAST, "--cell-opt", "beta=-1")
    assert result.exit_code == 2
    assert "option 'beta' must be at least 0" in result.stderr


def test_a_declared_scheme_a_cell_cannot_apply_is_refused_before_training(janet):
    started = []
    with pytest.raises(InvalidRunError, match=r"claims-orthogonal.*recurrent_weights"):
        minigrad.compare(["claims-orthogonal"], "copy", init="orthogonal",
                         on_run_start=lambda *a: started.append(a), **TINY)
    assert started == []


def test_the_installed_cell_option_works_from_the_console_script(janet):
    site, project = janet
    env = {"PYTHONPATH": f"{site}:{project}", "OPENBLAS_NUM_THREADS": "1",
           "PATH": "/usr/bin:/bin"}
    completed = subprocess.run(
        [sys.executable, "-m", "minigrad.cli.main", "compare", "--cells", "janet", *COPY,
         *FAST, "--cell-opt", "beta=2", "--json", "--quiet"],
        capture_output=True, text=True, env=env, timeout=120)
    assert completed.returncode == 0, completed.stderr
    config = json.loads(completed.stdout)["config"]
    assert config["cells"]["janet"] == {"init": "chrono", "options": {"beta": 2.0}}


# --------------------------------------------------------------------------------------
# init schemes a cell does not support

@pytest.mark.parametrize("name,scheme,supported", [
    ("lstm", "identity", "default, chrono, forget-bias, orthogonal"),
    ("gru", "chrono", "default, orthogonal"),
    ("rnn", "forget-bias", "default, orthogonal, identity"),
])
def test_an_init_a_cell_does_not_support_names_what_it_supports(name, scheme, supported):
    with pytest.raises(InvalidRunError, match=supported):
        minigrad.train(name, "copy", init=scheme, **TINY)
    with pytest.raises(ValueError, match=supported):
        Recurrent(name, 3, 4).init_weights(scheme)


@pytest.mark.parametrize("name", ["rnn", "gru", "lstm"])
def test_orthogonal_sets_every_gate_block_of_the_recurrent_matrix(name):
    layer = Recurrent(name, 3, 5, dtype="float64")
    layer.init_weights("orthogonal")
    weight = layer.weight_hh_l0.detach().numpy()
    for block in range(weight.shape[0] // 5):
        square = weight[block * 5:(block + 1) * 5]
        np.testing.assert_allclose(square @ square.T, np.eye(5), atol=1e-12)


def test_identity_sets_the_recurrent_matrix_and_zeroes_the_biases():
    layer = Recurrent("rnn-relu", 3, 5, dtype="float64")
    layer.init_weights("identity")
    np.testing.assert_array_equal(layer.weight_hh_l0.detach().numpy(), np.eye(5))
    np.testing.assert_array_equal(layer.bias_ih_l0.detach().numpy(), 0)
    np.testing.assert_array_equal(layer.bias_hh_l0.detach().numpy(), 0)
    assert np.abs(layer.weight_ih_l0.detach().numpy()).sum() > 0  # the input weights stay


def test_a_cell_that_names_no_options_takes_none():
    class Bare(RecurrentCell):
        def __init__(self, input_size, hidden_size, secret=1):
            super().__init__(input_size, hidden_size)
            self.w = Parameter(minigrad.ones(hidden_size))

        def forward(self, x, state):
            return state[0] * self.w, state

    with pytest.raises(ValueError, match=r"does not take the option\(s\) secret.*none"):
        Recurrent(Bare, 3, 4, secret=2)  # an undeclared argument is not guessed at


# --------------------------------------------------------------------------------------
# wrappers are factories

def test_the_bi_wrapper_returns_a_factory_of_cells():
    wrap = pm.get_wrapper("bi").factory
    factory = wrap(pm.get_cell("gru").factory)
    cell = factory(3, 4)
    assert isinstance(cell, RecurrentCell) and cell.directions == 2
    output, (h,) = cell.forward_sequence(minigrad.randn(5, 2, 3), cell.initial_state(2))
    assert output.shape == (5, 2, 8) and h.shape == (2, 2, 4)
    with pytest.raises(TypeError, match="one step at a time"):
        cell(minigrad.randn(2, 3), cell.initial_state(2))
    assert pm.get_cell("bi-gru").factory.cell_factory is pm.get_cell("gru").factory
    assert nn.recurrent.resolve_cell(factory) is factory  # no special case on the way


def test_a_wrapper_written_as_a_plain_function_is_used_like_any_factory(rng):
    made = []

    def zero_initial_weights(factory):  # a third party's wrapper: factory -> factory
        def make(input_size, hidden_size, **options):
            cell = factory(input_size, hidden_size, **options)
            for p in cell.parameters():
                p.array[...] = 0
            made.append(cell)
            return cell
        return make

    layer = Recurrent(zero_initial_weights(pm.get_cell("rnn").factory), 3, 4, num_layers=2)
    assert len(made) == 2
    output, (h,) = layer(minigrad.tensor(rng.standard_normal((3, 2, 3))))
    np.testing.assert_array_equal(output.detach().numpy(), 0)
    bi = Recurrent(nn.Bidirectional(zero_initial_weights(pm.get_cell("rnn").factory)), 3, 4)
    assert bi.bidirectional and len(made) == 4


def test_a_fast_path_added_to_an_inherited_forward_needs_the_cells_word():
    class Base(RecurrentCell):
        def __init__(self, input_size, hidden_size):
            super().__init__(input_size, hidden_size)
            self.w = Parameter(minigrad.ones(input_size, hidden_size))

        def forward(self, x, state):
            return self.step(x @ self.w, state)

    class AddsFastPath(Base):
        def project_inputs(self, inputs):
            return inputs @ self.w

        def step(self, projected, state):
            h = (projected + state[0]).tanh()
            return h, (h,)

    class Vouches(AddsFastPath):
        fast_path_agrees = True

    assert not AddsFastPath.has_fast_path()  # its step might not be Base's forward
    assert Vouches.has_fast_path()
    assert not type("Unvouched", (Vouches,), {"forward": Base.forward}).has_fast_path()
