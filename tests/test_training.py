"""The trainer: ``minigrad.train`` and ``minigrad.compare``, with every option they take.

Runs are tiny (a copy task of 1-2 symbols over a delay of 2-3 steps, 8-24 hidden units),
so each takes a fraction of a second; the settings were chosen so that a correct trainer
solves them well inside the step budget, with margin, for every seed tried.
"""
import math

import numpy as np
import pytest

import minigrad
from minigrad import UnknownNameError
from minigrad.training import (Comparison, IncompatibleCheckpoint, InvalidRunError, RunResult,
                               TrainConfig, build_model, compare, evaluate, train)
from minigrad.plugins.tasks.copy import CopyTask

# Solved by lstm and gru in 100-250 steps for every seed tried; 400 leaves room.
SOLVABLE = dict(task_options=dict(length=2, delay=3, symbols=4), hidden=24, lr=0.03,
                batch=16, steps=400, eval_every=20)
# Just enough to exercise the machinery.
TINY_TASK = dict(length=1, delay=2, symbols=2)           # seq_len 4, output_size 3
TINY = dict(task_options=TINY_TASK, hidden=8, batch=8, steps=20, eval_every=10)


def arrays(model):
    return {name: t.numpy().copy() for name, t in model.state_dict().items()}


# ----------------------------------------------------------------------------- solving

@pytest.fixture(scope="module")
def solved_run():
    return train("lstm", "copy", seed=0, **SOLVABLE)


def test_lstm_solves_a_small_copy_task_in_a_few_hundred_steps(solved_run):
    result = solved_run
    assert isinstance(result, RunResult)
    assert result.solved is True
    assert result.error is None
    assert result.steps_to_solve is not None and 0 < result.steps_to_solve <= 400
    assert result.score >= 0.99
    assert result.final_loss < result.baseline_loss  # it remembers the symbols


@pytest.mark.parametrize("cell, seed", [("gru", 1), ("lstm", 2)])
def test_other_cells_and_seeds_solve_it_too(cell, seed):
    result = train(cell, "copy", seed=seed, **SOLVABLE)
    assert result.solved and result.steps_to_solve <= 400


def test_early_stop_ends_the_run_at_the_evaluation_that_solved_it(solved_run):
    result = solved_run
    assert result.steps == result.steps_to_solve < 400
    assert result.curve[-1]["step"] == result.steps_to_solve
    assert result.curve[-1]["score"] >= 0.99
    # every earlier evaluation fell short, or the run would have stopped there
    assert all(point["score"] < 0.99 for point in result.curve[:-1])


def test_without_early_stop_the_run_goes_on_to_the_last_step():
    result = train("gru", "copy", seed=0, early_stop=False,
                   **{**SOLVABLE, "steps": 300})
    assert result.steps == 300
    assert result.curve[-1]["step"] == 300
    assert result.steps_to_solve is not None and result.steps_to_solve < 300


def test_run_result_fields(solved_run):
    result = solved_run
    row = result.to_dict()
    assert set(row) == {"cell", "seed", "params", "steps", "final_loss", "baseline_loss",
                        "metric", "score", "solved", "steps_to_solve", "seconds",
                        "ms_per_step", "error"}
    assert "curve" in result.to_dict(with_curve=True)
    assert result.cell == "lstm" and result.seed == 0 and result.metric == "accuracy"
    task = CopyTask(**SOLVABLE["task_options"])
    assert result.baseline_loss == pytest.approx(task.baseline())
    # an LSTM of H units on I inputs, and a linear read-out to O classes
    H, I, O = 24, task.input_size, task.output_size
    assert result.params == 4 * H * (I + H + 2) + O * (H + 1)
    assert result.params == sum(p.numel() for p in result.model.parameters())
    assert result.seconds > 0 and result.ms_per_step > 0
    assert result.ms_per_step == pytest.approx(1000 * result.seconds / result.steps)
    assert result.final_loss == result.curve[-1]["loss"]
    assert result.score == result.curve[-1]["score"]


# ---------------------------------------------------------------------------- evaluation

class SpyCopy(CopyTask):
    """A copy task that remembers every batch it drew, and from which generator."""
    name = "spy-copy"

    def __init__(self, **values):
        super().__init__(**values)
        self.draws = []  # (id of the generator, inputs)

    def batch(self, batch_size, rng):
        batch = super().batch(batch_size, rng)
        self.draws.append((id(rng), batch.inputs))
        return batch


def test_evaluation_every_eval_every_steps_on_fresh_held_out_batches():
    task = SpyCopy(length=2, delay=2, symbols=8)  # 64^16 possible batches: no collisions
    result = train("rnn", task, hidden=8, batch=16, steps=50, eval_every=20,
                   eval_batches=3, early_stop=False)
    assert [point["step"] for point in result.curve] == [20, 40, 50]  # and the last step
    generators = [g for g, _ in task.draws]
    train_gen = generators[0]
    training = [x for g, x in task.draws if g == train_gen]
    held_out = [x for g, x in task.draws if g != train_gen]
    assert len(training) == 50
    assert len(held_out) == 3 * 3                  # eval_batches per evaluation
    assert len(set(g for g in generators if g != train_gen)) == 1
    # held-out batches are never training batches, and each evaluation draws new ones
    for x in held_out:
        assert not any(np.array_equal(x, t) for t in training)
    assert not any(np.array_equal(held_out[i], held_out[j])
                   for i in range(len(held_out)) for j in range(i))


def test_evaluate_leaves_no_graph_and_restores_training_mode():
    task = CopyTask(**TINY_TASK)
    config = TrainConfig(hidden=8, batch=8, eval_batches=2)
    model = build_model("gru", task, config)
    loss, score = evaluate(model, task, config, np.random.default_rng(0))
    assert math.isfinite(loss) and 0.0 <= score <= 1.0
    assert model.training
    assert all(p.grad is None for p in model.parameters())


# ---------------------------------------------------------------------- reproducibility

def test_same_seed_gives_bit_identical_parameters_after_training():
    first = train("lstm", "copy", seed=7, **TINY)
    second = train("lstm", "copy", seed=7, **TINY)
    other = train("lstm", "copy", seed=8, **TINY)
    a, b, c = arrays(first.model), arrays(second.model), arrays(other.model)
    assert a.keys() == b.keys() == c.keys()
    for name in a:
        assert a[name].dtype == b[name].dtype
        assert (a[name] == b[name]).all(), name
    assert first.curve == second.curve
    assert any((a[name] != c[name]).any() for name in a)


def test_a_run_does_not_depend_on_the_global_seed_set_before_it():
    minigrad.manual_seed(123)
    first = arrays(train("gru", "copy", seed=3, **TINY).model)
    minigrad.manual_seed(456)
    np.random.rand(10)  # NumPy's own global generator is not used either
    second = arrays(train("gru", "copy", seed=3, **TINY).model)
    assert all((first[k] == second[k]).all() for k in first)


# ------------------------------------------------------------------------ NaN and inf

from nan_cell import NaNAfterCell  # noqa: E402


def test_a_nan_loss_stops_the_run_with_a_message_naming_the_step():
    result = train(NaNAfterCell, "copy", task_options=TINY_TASK, hidden=8, batch=8,
                   steps=50, eval_every=100)
    assert result.error is not None
    assert "nan" in result.error.lower()
    assert "step 3" in result.error
    assert result.steps == 2  # the steps that completed
    assert result.solved is False
    # the NaN step changed nothing
    assert all(np.isfinite(p.detach().numpy()).all() for p in result.model.parameters())


def test_an_infinite_loss_stops_the_run_too():
    class InfTask(CopyTask):
        name = "inf-copy"
        calls = 0

        def loss(self, outputs, batch):
            loss = super().loss(outputs, batch)
            self.calls += 1
            return loss * float("inf") if self.calls == 5 else loss

    result = train("rnn", InfTask(**TINY_TASK), hidden=8, batch=8, steps=30, eval_every=100)
    assert result.steps == 4
    assert "inf" in result.error and "step 5" in result.error


def test_compare_goes_on_with_the_other_cells_after_one_run_turns_nan():
    runs = []
    comparison = compare([NaNAfterCell, "gru"], "copy", seeds=2, task_options=TINY_TASK,
                         hidden=8, batch=8, steps=20, eval_every=10,
                         on_run_start=lambda cell, seed: runs.append((cell, seed)))
    assert len(runs) == 4 and len(comparison.results) == 4
    broken, fine = comparison.results[:2], comparison.results[2:]
    for result in broken:
        assert result.cell == "NaNAfterCell"
        assert "step 3" in result.error
    for result in fine:
        assert result.cell == "gru" and result.error is None and result.steps == 20
        assert math.isfinite(result.final_loss)
    summary = {row["cell"]: row for row in comparison.summary()}
    assert len(summary["NaNAfterCell"]["errors"]) == 2
    assert summary["gru"]["errors"] == []


# ------------------------------------------------------------------------ truncated BPTT

def _loss_and_grads(tbptt):
    task = CopyTask(length=2, delay=4, symbols=3)  # 8 steps
    config = TrainConfig(hidden=8)
    minigrad.manual_seed(0)
    model = build_model("lstm", task, config)
    batch = task.batch(4, 0)
    outputs = model(minigrad.tensor(batch.inputs), tbptt=tbptt)
    loss = task.loss(outputs, batch)
    loss.backward()
    return outputs.detach().numpy(), loss.item(), {n: p.grad.numpy().copy()
                                          for n, p in model.named_parameters()}


def test_tbptt_keeps_the_forward_pass_and_truncates_the_gradients():
    out_full, loss_full, grads_full = _loss_and_grads(None)
    out_tbptt, loss_tbptt, grads_tbptt = _loss_and_grads(2)
    out_long, _, grads_long = _loss_and_grads(8)  # one chunk as long as the sequence
    np.testing.assert_allclose(out_tbptt, out_full, rtol=1e-5, atol=1e-6)
    assert loss_tbptt == pytest.approx(loss_full, rel=1e-5)
    # the read-out sees the same hidden states; the recurrent weights lose the long paths
    np.testing.assert_allclose(grads_tbptt["head.weight"], grads_full["head.weight"],
                               rtol=1e-4, atol=1e-6)
    assert not np.allclose(grads_tbptt["rnn.weight_hh_l0"], grads_full["rnn.weight_hh_l0"],
                           rtol=1e-3, atol=1e-6)
    for name in grads_full:
        np.testing.assert_array_equal(grads_long[name], grads_full[name])


def test_tbptt_detaches_the_state_between_chunks(monkeypatch):
    detached = []
    real_detach = minigrad.Tensor.detach

    def spy(self):
        result = real_detach(self)
        detached.append(result)
        return result

    monkeypatch.setattr(minigrad.Tensor, "detach", spy)
    task = CopyTask(length=2, delay=4, symbols=3)  # 8 steps: chunks of 3, 3, 2
    model = build_model("lstm", task, TrainConfig(hidden=8))
    model(minigrad.tensor(task.batch(2, 0).inputs), tbptt=3)
    assert len(detached) == 3 * 2  # (h, c) after each chunk
    assert all(not t.requires_grad for t in detached)


def test_train_with_tbptt_runs_and_learns():
    result = train("gru", "copy", tbptt=3, early_stop=False,
                   **{**TINY, "steps": 40, "eval_every": 20})
    assert result.error is None and result.steps == 40
    assert result.final_loss < math.log(3)  # below a uniform guess over the 3 classes
    # the option reaches the model: the same run with full BPTT ends elsewhere
    full = train("gru", "copy", tbptt=None, early_stop=False,
                 **{**TINY, "steps": 40, "eval_every": 20})
    truncated, untruncated = arrays(result.model), arrays(full.model)
    assert any((truncated[k] != untruncated[k]).any() for k in truncated)


def test_tbptt_is_refused_for_a_bidirectional_cell_before_any_training():
    started = []
    with pytest.raises(ValueError, match="bidirectional"):
        train("bi-gru", "copy", tbptt=2, callback=lambda *a: started.append(a), **TINY)
    with pytest.raises(ValueError, match="bidirectional"):
        compare(["rnn", "bi-gru"], "copy", tbptt=2,
                on_run_start=lambda *a: started.append(a), **TINY)
    assert started == []


# ------------------------------------------------------------- forget bias and chrono init

def _forget_rows(model, name):
    H = model.rnn.hidden_size
    params = dict(model.named_parameters())
    values = params[name].detach().numpy()
    return values[H:2 * H], values[:H]


def test_forget_bias_reaches_the_lstm_family_and_is_refused_elsewhere():
    task = CopyTask(**TINY_TASK)
    config = TrainConfig(hidden=8, forget_bias=3.0)
    assert config.init == "forget-bias"  # giving the value asks for the scheme
    for cell in ("lstm", "peephole-lstm", "bi-lstm"):
        model = build_model(cell, task, config)
        suffixes = ("_l0", "_l0_reverse") if cell.startswith("bi-") else ("_l0",)
        for suffix in suffixes:
            forget_ih, _ = _forget_rows(model, "rnn.bias_ih" + suffix)
            forget_hh, _ = _forget_rows(model, "rnn.bias_hh" + suffix)
            np.testing.assert_array_equal(forget_ih + forget_hh, 3.0)
    for cell in ("rnn", "gru", "bi-gru"):  # no forget gate: an error, not a silent no-op
        with pytest.raises(InvalidRunError, match=rf"'forget-bias'.*{cell}"):
            build_model(cell, task, config)
    # and it is the scheme that did it: without it the biases are PyTorch's uniform ones
    plain = build_model("lstm", task, TrainConfig(hidden=8, init="default"))
    forget_ih, _ = _forget_rows(plain, "rnn.bias_ih_l0")
    assert (np.abs(forget_ih) <= 1 / math.sqrt(8)).all()


def test_chrono_init_reaches_lstm_cells_and_is_refused_by_the_others():
    task = CopyTask(length=2, delay=20, symbols=3)  # T = seq_len = 24
    model = build_model("lstm", task, TrainConfig(hidden=16, init="chrono"))
    forget, input_ = _forget_rows(model, "rnn.bias_ih_l0")
    assert (forget >= 0).all() and (forget <= math.log(task.seq_len - 1) + 1e-6).all()
    np.testing.assert_allclose(input_, -forget)
    assert forget.std() > 0  # drawn, not constant
    with pytest.raises(InvalidRunError, match="supports default, orthogonal") as caught:
        build_model("gru", task, TrainConfig(hidden=16, init="chrono"))
    assert caught.value.option == "init"


def test_init_auto_is_each_cells_own_choice_in_one_compare():
    comparison = compare(["rnn", "lstm"], "copy", **TINY)
    assert [r.cell for r in comparison.results] == ["rnn", "lstm"]
    assert all(r.error is None and r.steps == 20 for r in comparison.results)
    assert comparison.config["init"] == "auto"
    assert {name: c["init"] for name, c in comparison.config["cells"].items()} == \
        {"rnn": "default", "lstm": "chrono"}


def test_an_explicit_init_is_checked_for_every_cell_before_training():
    started = []
    with pytest.raises(InvalidRunError, match="'chrono' is not supported by the cell 'rnn'"):
        compare(["lstm", "rnn"], "copy", init="chrono",
                on_run_start=lambda *a: started.append(a), **TINY)
    assert started == []


# ------------------------------------------------------------------------- cell options

def test_cell_options_reach_the_cells_that_declare_them():
    result = train("rnn", "copy", cell_options={"nonlinearity": "relu"}, **TINY)
    assert result.model.rnn.cells[0][0].nonlinearity == "relu"
    comparison = compare(["rnn", "lstm"], "copy", cell_options={"nonlinearity": "relu"}, **TINY)
    assert comparison.config["cells"]["rnn"]["options"] == {"nonlinearity": "relu"}
    assert comparison.config["cells"]["lstm"]["options"] == {}


def test_cell_options_per_cell_name():
    comparison = compare(["rnn", "bi-rnn"], "copy",
                         cell_options={"bi-rnn": {"nonlinearity": "relu"}}, **TINY)
    assert comparison.config["cells"]["rnn"]["options"] == {}
    assert comparison.config["cells"]["bi-rnn"]["options"] == {"nonlinearity": "relu"}


@pytest.mark.parametrize("cell_options, words", [
    ({"t_max": 30}, r"t_max: rnn takes nonlinearity; lstm takes no options"),
    ({"lstm": {"nonlinearity": "relu"}}, r"cell 'lstm' does not take.*its options: none"),
    ({"gru": {"nonlinearity": "relu"}}, r"gru, which this run does not train"),
    ({"nonlinearity": "sigmoid"}, r"must be one of \['tanh', 'relu'\]"),
    ("nonlinearity=relu", r"must be a dict"),
])
def test_bad_cell_options_are_refused_before_training(cell_options, words):
    started = []
    with pytest.raises(InvalidRunError, match=words) as caught:
        compare(["rnn", "lstm"], "copy", cell_options=cell_options,
                on_run_start=lambda *a: started.append(a), **TINY)
    assert caught.value.option == "cell_options" and started == []


def test_an_unknown_keyword_of_train_says_where_it_belongs():
    with pytest.raises(InvalidRunError, match=r"option of rnn: pass cell_options"):
        train("rnn", "copy", nonlinearity="relu", **TINY)
    with pytest.raises(InvalidRunError, match=r"option of the task: pass task_options"):
        train("rnn", "copy", delay=3, **TINY)
    with pytest.raises(InvalidRunError, match=r"Training options: hidden, layers"):
        train("rnn", "copy", t_max=30, **TINY)


# ------------------------------------------------------------ optimizers, dtype, config

@pytest.mark.parametrize("optimizer, lr", [("adam", 0.03), ("rmsprop", 0.01), ("sgd", 0.1)])
def test_every_optimizer_trains(optimizer, lr):
    result = train("gru", "copy", optimizer=optimizer, lr=lr, early_stop=False,
                   **{**TINY, "steps": 60, "eval_every": 20})
    assert result.error is None and result.steps == 60
    # an untrained model guesses about uniformly over 3 classes: loss ln 3
    assert result.curve[-1]["loss"] < 0.75 * math.log(3)


def test_the_optimizer_option_is_the_one_used():
    finals = {name: arrays(train("rnn", "copy", optimizer=name, lr=0.01, **TINY).model)
              for name in ("adam", "rmsprop", "sgd")}
    for a, b in (("adam", "rmsprop"), ("adam", "sgd"), ("rmsprop", "sgd")):
        assert not np.array_equal(finals[a]["rnn.weight_hh_l0"], finals[b]["rnn.weight_hh_l0"])


def test_clipping_changes_the_run_and_zero_or_none_turns_it_off():
    base = dict(TINY, optimizer="sgd", lr=0.5)
    clipped = arrays(train("rnn", "copy", clip=0.01, **base).model)
    off_none = arrays(train("rnn", "copy", clip=None, **base).model)
    off_zero = arrays(train("rnn", "copy", clip=0, **base).model)
    assert all((off_none[k] == off_zero[k]).all() for k in off_none)
    assert any((off_none[k] != clipped[k]).any() for k in off_none)


def test_float64_run():
    result = train("lstm", "copy", dtype="float64", **TINY)
    assert result.error is None
    for name, value in result.model.state_dict().items():
        assert value.dtype == minigrad.float64, name
        assert value.numpy().dtype == np.float64


def test_layers_option_stacks_layers():
    result = train("gru", "copy", layers=2, **TINY)
    names = set(result.model.state_dict())
    assert {"rnn.weight_hh_l0", "rnn.weight_hh_l1"} <= names


def test_train_config_defaults():
    config = TrainConfig()
    assert (config.hidden, config.layers, config.optimizer, config.batch) == (128, 1, "adam", 32)
    assert config.clip and config.clip > 0  # clipping is on by default
    assert config.tbptt is None and config.device == "cpu" and config.dtype == "float32"
    assert config.early_stop is True


@pytest.mark.parametrize("bad, words", [
    (dict(hidden=0), "hidden"), (dict(hidden=-3), "hidden"), (dict(hidden=2.5), "hidden"),
    (dict(hidden=True), "hidden"), (dict(layers=0), "layers"), (dict(batch=0), "batch"),
    (dict(steps=0), "steps"), (dict(steps=-1), "steps"), (dict(eval_every=0), "eval_every"),
    (dict(eval_batches=0), "eval_batches"), (dict(lr=0), "lr"), (dict(lr=-0.1), "lr"),
    (dict(optimizer="adagrad"), "optimizer"), (dict(clip=-1.0), "clip"),
    (dict(tbptt=0), "tbptt"), (dict(seed=-1), "seed"), (dict(seed=1.5), "seed"),
    (dict(dtype="float16"), "dtype"), (dict(device="tpu"), "device"),
])
def test_train_config_rejects_bad_values(bad, words):
    with pytest.raises(ValueError, match=words):
        TrainConfig(**bad)


def test_train_rejects_bad_input_before_training():
    calls = []
    with pytest.raises(UnknownNameError, match="lstm"):
        train("lstn", "copy", callback=lambda *a: calls.append(a), **TINY)
    with pytest.raises(UnknownNameError, match="copy"):
        train("lstm", "cpy", callback=lambda *a: calls.append(a))
    with pytest.raises(ValueError, match="symbols"):
        train("lstm", "adding", task_options={"symbols": 3})
    with pytest.raises(ValueError, match="length"):
        train("lstm", "copy", task_options={"length": 0})
    with pytest.raises(InvalidRunError, match=r"'hiddden' \(did you mean 'hidden'\?\)"):
        train("lstm", "copy", hiddden=8)  # a misspelt option is not ignored
    with pytest.raises(ValueError):
        compare([], "copy")
    assert calls == []


def test_an_incompatible_initial_state_is_reported():
    donor = train("gru", "copy", **TINY)
    with pytest.raises(IncompatibleCheckpoint, match="does not fit"):
        train("lstm", "copy", initial_state=donor.model.state_dict(), **TINY)


def test_initial_state_is_where_training_starts():
    first = train("gru", "copy", **TINY)
    state = arrays(first.model)
    resumed = train("gru", "copy", initial_state=state, **{**TINY, "steps": 1})
    fresh = train("gru", "copy", **{**TINY, "steps": 1})
    after = arrays(resumed.model)
    # one step from the checkpoint stays near it, far nearer than a fresh start does
    for name in state:
        assert np.abs(after[name] - state[name]).max() < 0.05
    assert any(np.abs(arrays(fresh.model)[k] - state[k]).max() > 0.05 for k in state)


def test_callback_is_called_after_every_step():
    seen = []
    result = train("rnn", "copy", callback=lambda step, loss: seen.append((step, loss)), **TINY)
    assert [s for s, _ in seen] == list(range(1, result.steps + 1))
    assert all(math.isfinite(loss) for _, loss in seen)


# ---------------------------------------------------------------------------- compare

def test_compare_with_a_count_of_seeds():
    comparison = compare("rnn,gru", "copy", seeds=2, seed=5, **TINY)
    assert isinstance(comparison, Comparison)
    assert [(r.cell, r.seed) for r in comparison.results] == [
        ("rnn", 5), ("rnn", 6), ("gru", 5), ("gru", 6)]
    assert comparison.task["name"] == "copy"
    assert comparison.task["length"] == 1 and comparison.task["delay"] == 2
    assert comparison.task["baseline_loss"] == pytest.approx(math.log(2) / 4)
    assert comparison.task["metric"] == "accuracy"


def test_compare_with_a_list_of_seeds_and_its_summary():
    comparison = compare(["lstm"], "copy", seeds=[3, 11], **TINY)
    assert [r.seed for r in comparison.results] == [3, 11]
    (row,) = comparison.summary()
    losses = [r.final_loss for r in comparison.results]
    scores = [r.score for r in comparison.results]
    assert row["cell"] == "lstm" and row["seeds"] == 2
    assert row["final_loss_mean"] == pytest.approx(np.mean(losses))
    assert row["final_loss_std"] == pytest.approx(np.std(losses, ddof=1))
    assert row["final_loss_std"] > 0  # two seeds, two different runs
    assert row["score_mean"] == pytest.approx(np.mean(scores))
    assert row["score_std"] == pytest.approx(np.std(scores, ddof=1))
    assert row["solved"] == sum(r.solved for r in comparison.results)
    assert row["params"] == comparison.results[0].params
    assert row["baseline_loss"] == comparison.results[0].baseline_loss
    for key in ("seconds_mean", "ms_per_step_mean", "steps_to_solve_mean", "metric", "errors"):
        assert key in row
    # each seed's run is the run train() gives with that seed
    alone = train("lstm", "copy", seed=11, **TINY)
    assert alone.final_loss == comparison.results[1].final_loss
    as_dict = comparison.to_dict()
    assert set(as_dict) >= {"task", "results", "summary"}
    assert len(as_dict["results"]) == 2 and "curve" not in as_dict["results"][0]


def test_compare_summary_of_solved_runs_reports_steps_to_solve():
    comparison = compare(["gru"], "copy", seeds=[0, 1], **SOLVABLE)
    (row,) = comparison.summary()
    assert row["solved"] == 2
    steps = [r.steps_to_solve for r in comparison.results]
    assert row["steps_to_solve_mean"] == pytest.approx(np.mean(steps))


def test_compare_rejects_an_unknown_cell_before_training_any():
    started = []
    with pytest.raises(UnknownNameError, match="did you mean 'lstm'"):
        compare(["rnn", "lstn"], "copy", on_run_start=lambda c, s: started.append(c), **TINY)
    assert started == []


# -------------------------------------------------------------------- bidirectional

LOOKAHEAD = dict(task_options=dict(length=8, distance=2, symbols=3), hidden=12, lr=0.03,
                 batch=16, steps=200, eval_every=50)


def test_a_bidirectional_cell_beats_chance_on_lookahead_while_a_forward_one_cannot():
    comparison = compare(["bi-gru", "gru"], "lookahead", **LOOKAHEAD)
    bi, forward = comparison.results
    baseline = math.log(3)
    assert bi.baseline_loss == pytest.approx(baseline)
    assert bi.final_loss < 0.25 * baseline
    assert bi.score > 0.9
    # a forward-only cell can't know the future: it stays at chance (1/3)
    assert forward.final_loss > 0.9 * baseline
    assert forward.score < 0.5
    assert not forward.solved
