"""The built-in tasks (plugins/tasks): their batches, options, losses, metrics, baselines
and "solved" criteria.

The baselines are checked empirically: for each task we *fit* the best memoryless
predictor on sampled data (a table of target frequencies per step and current input,
knowing nothing of the task's formula), score it with the task's own loss on fresh
batches, and compare with ``task.baseline()``. A perfect predictor, built from the
targets, must score perfectly and count as solved.
"""
import math
import pathlib
import re

import numpy as np
import pytest

import minigrad
from minigrad.plugins.tasks import (TASKS, AddingTask, AssociativeRecallTask, CopyTask,
                                    EmbeddedReberTask, LookaheadTask, SelectiveCopyTask,
                                    TemporalOrderTask)
from minigrad.plugins.tasks.common import ClassificationTask
from minigrad.plugins.tasks.embedded_reber import SYMBOLS as REBER_SYMBOLS
from minigrad.task import Batch

ALL = {task.name: task for task in TASKS}
# the per-step tasks (one output per input step); tests/test_task_shapes.py has the others
BY_NAME = {name: task for name, task in ALL.items() if task.shape == "per-step"}
CLASSIFICATION = [t.name for t in TASKS if issubclass(t, ClassificationTask)]
DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs" / "tasks.md"


def rng(seed=0):
    return np.random.default_rng(seed)


def as_outputs(array, requires_grad=False):
    return minigrad.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


def input_codes(batch):
    """The symbol index at each step (seq, batch); -1 where the input is all zeros."""
    return np.where(batch.inputs.sum(-1) > 0, batch.inputs.argmax(-1), -1)


def scored_steps(task, batch):
    """Where the task's loss reads the targets."""
    if getattr(task, "loss_on_every_step", False):
        return np.ones(batch.targets.shape, dtype=bool)
    return batch.mask


# -- registration --------------------------------------------------------------------

def test_the_plugin_registers_every_task_under_its_name():
    registered = minigrad.tasks()
    assert set(ALL) <= set(registered), minigrad.plugin_errors()
    for name, task in ALL.items():
        assert registered[name].factory is task
        assert registered[name].description == task.description != ""
        assert task.source and "Source" in task.__doc__ and "Baseline" in task.__doc__


# -- batches -------------------------------------------------------------------------

@pytest.mark.parametrize("name", BY_NAME)
def test_batches_have_the_promised_shapes_and_dtypes(name):
    task = BY_NAME[name]()
    batch = task.batch(5, rng())
    assert isinstance(batch, Batch)
    steps = batch.inputs.shape[0]
    assert batch.inputs.dtype == np.float32
    assert batch.inputs.shape == (steps, 5, task.input_size)
    assert batch.mask.dtype == bool and batch.mask.shape == (steps, 5)
    assert batch.mask.any(axis=0).all(), "every sequence has a scored step"
    if name != "embedded-reber":  # its strings vary in length
        assert steps == task.seq_len
    if name in CLASSIFICATION or name == "text":  # text: a class (the next token) per step
        assert batch.targets.dtype == np.int64 and batch.targets.shape == (steps, 5)
        scored = batch.targets[batch.mask]
        assert scored.min() >= 0 and scored.max() < task.output_size
        assert set(np.unique(batch.inputs)) <= {0.0, 1.0}
        assert (batch.inputs.sum(-1) <= 1).all()
    elif name == "adding":
        assert batch.targets.dtype == np.float32 and batch.targets.shape == (5,)
        assert batch.mask[-1].all() and not batch.mask[:-1].any()
    else:
        assert batch.targets.dtype == np.float32 and batch.targets.shape == (steps, 5, 7)


@pytest.mark.parametrize("name", BY_NAME)
def test_same_seed_same_batch_other_seed_other_batch(name):
    task = BY_NAME[name]()
    first, again, other = task.batch(8, rng(3)), task.batch(8, rng(3)), task.batch(8, rng(4))
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.inputs, other.inputs)  # (arrays of other shapes differ)
    generator = rng(3)
    one, two = task.batch(8, generator), task.batch(8, generator)  # fresh data on each call
    assert not np.array_equal(one.inputs, two.inputs)
    np.testing.assert_array_equal(task.batch(8, 3).inputs, first.inputs)  # an int seeds


def test_batch_rejects_bad_sizes_and_generators():
    task = CopyTask()
    for size in (0, -2, 2.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            task.batch(size, rng())
    with pytest.raises(TypeError, match="Generator"):
        task.batch(4, "seed")


def test_copy_sequences_follow_the_paper():
    task = CopyTask(length=3, delay=4, symbols=5)
    batch = task.batch(64, rng())
    codes = input_codes(batch)
    assert task.seq_len == 4 + 2 * 3 and task.input_size == 7 and task.output_size == 6
    assert ((codes[:3] >= 1) & (codes[:3] <= 5)).all()          # the symbols
    assert (codes[3:6] == 0).all() and (codes[6] == 6).all()    # T - 1 blanks, delimiter
    assert (codes[7:] == 0).all()
    np.testing.assert_array_equal(batch.targets[7:], codes[:3])  # recalled in order
    assert (batch.targets[:7] == 0).all()
    np.testing.assert_array_equal(batch.mask[:, 0], [False] * 7 + [True] * 3)


def test_adding_marks_one_value_in_each_half_and_sums_them():
    task = AddingTask(length=9)
    batch = task.batch(256, rng())
    values, markers = batch.inputs[..., 0], batch.inputs[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert (markers[:4].sum(0) == 1).all() and (markers[4:].sum(0) == 1).all()
    np.testing.assert_allclose(batch.targets, (values * markers).sum(0), rtol=1e-6)
    assert set(np.flatnonzero(markers.sum(1))) == set(range(9))  # every step can be marked


REBER = "(XT*VP)*(S|XT*VV)"                                  # from the state after TX
INNER = f"B(TS*X{REBER}|PT*V(V|P{REBER}))E"                 # a Reber string
EMBEDDED = re.compile(f"B([TP]){INNER}\\1E")                 # the same T or P around it


def test_reber_strings_are_in_the_grammar_and_targets_list_the_legal_next_symbols():
    task = EmbeddedReberTask()
    batch = task.batch(500, rng())
    codes, lengths = input_codes(batch), batch.mask.sum(0) + 1
    choices_taken = []
    for column in range(500):
        n = lengths[column]
        string = "".join(REBER_SYMBOLS[c] for c in codes[:n, column])
        assert EMBEDDED.fullmatch(string), string
        assert (codes[n:, column] == -1).all()                         # padding
        legal = batch.targets[:n - 1, column] > 0
        assert legal[np.arange(n - 1), codes[1:n, column]].all()       # what came was legal
        assert legal[-2].tolist() == [s == string[1] for s in REBER_SYMBOLS]  # the long lag
        choices_taken += [codes[t + 1, column] == np.flatnonzero(legal[t])[0]
                          for t in range(n - 1) if legal[t].sum() == 2]
    assert abs(np.mean(choices_taken) - 0.5) < 0.03          # each arrow equally likely
    assert abs(lengths.mean() - task.mean_length) < 0.4      # 12: computed, and observed
    assert task.mean_length == pytest.approx(12.0)


def test_temporal_order_places_the_relevant_symbols_as_in_the_paper():
    task = TemporalOrderTask(length=100)          # the paper's setting
    batch = task.batch(400, rng())
    codes = input_codes(batch)
    lengths = batch.mask.argmax(0) + 1
    assert lengths.min() == 100 and lengths.max() == 110 and task.seq_len == 110
    for column in range(400):
        n, seq = lengths[column], codes[:, column]
        assert seq[0] == 6 and seq[n - 1] == 7 and (seq[n:] == -1).all()
        (t1, t2), = [np.flatnonzero((seq == 4) | (seq == 5))]
        assert 10 <= t1 <= 20 and 50 <= t2 <= 60
        assert batch.targets[n - 1, column] == 2 * (seq[t1] == 5) + (seq[t2] == 5)


def test_selective_copy_recalls_the_scattered_symbols_in_order():
    task = SelectiveCopyTask(length=3, span=10)
    batch = task.batch(200, rng())
    codes = input_codes(batch)
    assert (codes[10:] == task.symbols + 1).all()
    for column in range(200):
        letters = codes[:10, column][codes[:10, column] > 0]
        assert len(letters) == 3
        np.testing.assert_array_equal(batch.targets[10:, column], letters - 1)
    first_positions = np.argmax(codes[:10] > 0, axis=0)
    assert len(set(first_positions)) > 3  # the symbols move about


def test_associative_recall_answers_each_query_with_its_paired_value():
    task = AssociativeRecallTask(pairs=5, queries=3, keys=6, values=4)
    batch = task.batch(200, rng())
    codes = input_codes(batch)
    for column in range(200):
        keys, values = codes[0:10:2, column], codes[1:10:2, column] - 6
        assert len(set(keys)) == 5 and keys.max() < 6 and values.min() >= 0
        queried = codes[10:, column]
        assert len(set(queried)) == 3
        paired = dict(zip(keys, values))
        assert batch.targets[10:, column].tolist() == [paired[k] for k in queried]


def test_lookahead_targets_are_the_inputs_d_steps_later():
    task = LookaheadTask(length=10, distance=3)
    batch = task.batch(16, rng())
    codes = input_codes(batch)
    np.testing.assert_array_equal(batch.targets[:7], codes[3:])
    assert batch.mask[:7].all() and not batch.mask[7:].any()


# -- options -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
def test_defaults_are_the_declared_options(name):
    task = ALL[name]()
    assert task.settings() == {o.name: o.default for o in task.options}
    assert task.baseline() > 0 and math.isfinite(task.baseline())


# the size options (text's --level and --file are checked in tests/test_text_task.py)
OPTIONS = [(name, option) for name, task in ALL.items() for option in task.options
           if option.type is int]


@pytest.mark.parametrize("name, option", OPTIONS, ids=[f"{n}-{o.name}" for n, o in OPTIONS])
def test_sizes_below_the_minimum_are_refused_by_name(name, option):
    for bad in sorted(v for v in {0, -1, option.min - 1} if v < option.min):
        with pytest.raises(ValueError, match=f"option '{option.name}' must be at least"):
            ALL[name](**{option.name: bad})
    with pytest.raises(ValueError, match=f"option '{option.name}' must be an integer"):
        ALL[name](**{option.name: option.default + 0.5})
    assert getattr(ALL[name](**{option.name: str(option.default)}), option.name) \
        == option.default  # as the CLI passes them


@pytest.mark.parametrize("name", ALL)
def test_unknown_options_are_refused_with_the_valid_ones(name):
    with pytest.raises(ValueError, match=f"task '{name}' does not take the option.*bogus"):
        ALL[name](bogus=3)


@pytest.mark.parametrize("task, options, message", [
    (SelectiveCopyTask, {"length": 5, "span": 4}, "'span' \\(4\\) must be at least 'length'"),
    (AssociativeRecallTask, {"pairs": 3, "queries": 4}, "'queries' \\(4\\) can't exceed"),
    (AssociativeRecallTask, {"pairs": 6, "keys": 5}, "'keys' \\(5\\) must be at least"),
    (LookaheadTask, {"length": 5, "distance": 5}, "'distance' \\(5\\) must be less than"),
])
def test_options_that_contradict_each_other_are_refused(task, options, message):
    with pytest.raises(ValueError, match=message):
        task(**options)


# -- the baselines, empirically ------------------------------------------------------

def fit_memoryless(task, batches, use_step=True):
    """The best predictor that sees only (the step and) the current input, fitted as a
    table of target frequencies. Returns predict(batch) -> logits (seq, batch, classes)."""
    width = task.input_size + 1  # the codes, and -1 for padding
    rows = (max(b.inputs.shape[0] for b in batches) if use_step else 1) * width
    reber = task.name == "embedded-reber"
    counts = np.zeros((rows, task.output_size))
    seen = np.zeros(rows)

    def keys(batch):
        step = np.arange(batch.inputs.shape[0])[:, None] if use_step else 0
        return step * width + input_codes(batch) + 1

    for batch in batches:
        scored = scored_steps(task, batch)
        key = keys(batch)[scored]
        if reber:  # multi-hot: count how often each symbol is legal
            np.add.at(counts, key, batch.targets[scored])
        else:
            np.add.at(counts, (key, batch.targets[scored]), 1.0)
        np.add.at(seen, key, 1.0)

    if reber:
        p = np.clip(counts / np.maximum(seen, 1)[:, None], 1e-9, 1 - 1e-9)
        table = np.log(p) - np.log1p(-p)  # logits whose sigmoid is p
    else:
        table = np.log((counts + 1e-3) / (seen[:, None] + 1e-3 * task.output_size))
    return lambda batch: table[keys(batch)]


BASELINE_CASES = [("copy", {}), ("copy", {"length": 10, "delay": 10}),
                  ("temporal-order", {}), ("selective-copy", {}),
                  ("associative-recall", {}), ("lookahead", {}),
                  ("embedded-reber", {}), ("name-tagging", {}),
                  ("name-tagging", {"length": 6, "names": 3, "first": 1})]


@pytest.mark.parametrize("name, options", BASELINE_CASES)
def test_the_best_memoryless_predictor_scores_the_baseline(name, options):
    task = BY_NAME[name](**options)
    generator = rng(7)
    size = 256 if name == "embedded-reber" else 1024
    predict = fit_memoryless(task, [task.batch(size, generator) for _ in range(8)],
                             use_step=name != "embedded-reber")
    losses = [task.loss(as_outputs(predict(b)), b).item()
              for b in (task.batch(size, generator) for _ in range(4))]
    assert np.mean(losses) == pytest.approx(task.baseline(), rel=0.02, abs=0.003)


@pytest.mark.parametrize("length, delay, symbols", [(5, 20, 8), (10, 50, 8), (2, 1, 3)])
def test_copy_baseline_is_the_papers_formula(length, delay, symbols):
    task = CopyTask(length=length, delay=delay, symbols=symbols)
    batch = task.batch(64, rng())
    logits = np.zeros(batch.targets.shape + (task.output_size,))
    logits[:-length, :, 0] = 50.0    # certain blank before the recall
    logits[-length:, :, 0] = -50.0   # uniform over the symbols during it
    loss = task.loss(as_outputs(logits), batch).item()
    expected = length * math.log(symbols) / (delay + 2 * length)
    assert loss == pytest.approx(expected, rel=1e-9) and task.baseline() == pytest.approx(expected)
    assert CopyTask(length=10, delay=100).baseline() == pytest.approx(10 * math.log(8) / 120)


def test_adding_baseline_is_the_variance_of_the_sum():
    task = AddingTask()
    generator = rng(5)
    losses = []
    for _ in range(8):
        batch = task.batch(2048, generator)
        guess = np.ones((task.seq_len, 2048, 1))  # the expected sum, whatever the input
        losses.append(task.loss(as_outputs(guess), batch).item())
    assert task.baseline() == pytest.approx(1 / 6)
    assert np.mean(losses) == pytest.approx(1 / 6, abs=0.006)


def test_reber_baseline_from_a_hand_count():
    # Expected visits per string of the inner Reber states (see REBER in the module):
    # v1 = v2 = v4 = v5 = v6 = 1, v3 = 2 (from v2 = 1/2 + v2/2, v3 = 1/2 + v3/2 + v4/2,
    # v4 = 1/2 + v5/2, v5 = v3/2). Tallying each scored step by its symbol and the set
    # that may follow it (T: 0.5 {B}, 0.5 {S,X}, 1 {T,V}, 0.5 {E}; and so on) gives, per
    # symbol, its expected count N and the probability of each symbol being legal next:
    def h(p):
        return -(p * math.log(p) + (1 - p) * math.log(1 - p))
    N = {"B": 2.0, "T": 2.5, "P": 2.0, "S": 1.0, "X": 1.0, "V": 1.5, "E": 1.0}
    entropy = {
        "B": 0.0,                                  # always {T, P}
        "T": 4 * h(0.2) + 2 * h(0.4),              # B .2, T .4, S .2, X .2, V .4, E .2
        "P": 6 * h(0.25),                          # B, T, S, X, V, E .25 each
        "S": 3 * h(0.5),                           # S, X, E
        "X": 4 * h(0.5),                           # T, S, X, V
        "V": 2 * h(2 / 3) + h(1 / 3),              # P, V 2/3; E 1/3
        "E": 2 * h(0.5),                           # T or P: the long lag
    }
    expected = sum(N[a] * entropy[a] for a in N) / (7 * sum(N.values()))
    task = EmbeddedReberTask()
    assert task.baseline() == pytest.approx(expected, rel=1e-12)
    assert sum(N.values()) + 1 == pytest.approx(task.mean_length)


# -- perfect predictors: metric and "solved" -----------------------------------------

def perfect_outputs(task, batch):
    if task.name == "adding":
        outputs = np.zeros((batch.inputs.shape[0], batch.inputs.shape[1], 1))
        outputs[-1, :, 0] = batch.targets
        return outputs
    if task.name == "embedded-reber":
        return 30.0 * (2 * batch.targets - 1)
    return 30.0 * np.eye(task.output_size)[batch.targets]


@pytest.mark.parametrize("name", BY_NAME)
def test_a_perfect_predictor_scores_perfectly_and_solves_the_task(name):
    task = BY_NAME[name]()
    batch = task.batch(64, rng())
    outputs = as_outputs(perfect_outputs(task, batch))
    loss, score = task.loss(outputs, batch).item(), task.metric(outputs, batch)
    assert loss < 1e-6
    perfect = 1.0 if task.higher_is_better or name == "text" else 0.0  # text: perplexity 1
    assert score == pytest.approx(perfect, abs=1e-6)
    assert task.solved(loss, score)
    assert not task.solved(task.baseline(), 1 / task.output_size if task.higher_is_better
                           else task.baseline())


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_accuracy_reads_only_the_scored_steps(name):
    task = BY_NAME[name]()
    batch = task.batch(64, rng())
    logits = perfect_outputs(task, batch)
    wrong = np.roll(logits, 1, axis=-1)            # a wrong class everywhere ...
    logits = np.where(batch.mask[..., None], logits, wrong)  # ... but on the scored steps
    assert task.metric(as_outputs(logits), batch) == 1.0
    half = np.where(np.arange(64) < 16, 1, 0)[None, :, None] * logits + \
        np.where(np.arange(64) < 16, 0, 1)[None, :, None] * wrong
    assert task.metric(as_outputs(half), batch) == pytest.approx(0.25)


def test_reber_is_solved_only_with_the_long_lag_prediction():
    task = EmbeddedReberTask()
    batch = task.batch(64, rng())
    logits = perfect_outputs(task, batch)
    codes = input_codes(batch)
    inner_end = (codes == REBER_SYMBOLS.index("E")) & batch.mask  # the E before T/P
    assert inner_end.sum() == 64
    logits[inner_end, REBER_SYMBOLS.index("T")] = 30.0  # "T or P": right but for the lag
    logits[inner_end, REBER_SYMBOLS.index("P")] = 30.0
    outputs = as_outputs(logits)
    assert task.metric(outputs, batch) == 0.0
    assert not task.solved(task.loss(outputs, batch).item(), 0.0)
    assert not task.solved(0.0, 63 / 64)


def test_adding_is_solved_below_its_threshold_only():
    task = AddingTask()
    assert task.solved(0.009, 0.009) and not task.solved(0.011, 0.011)
    assert task.metric_name == "mse" and task.higher_is_better is False


# -- the loss: the value, and differentiable through the graph ------------------------

def reference_loss(task, logits, batch):
    """The loss written out in NumPy, straight from the definitions."""
    if task.name == "adding":
        return np.mean((logits[-1, :, 0] - batch.targets) ** 2)
    scored = scored_steps(task, batch)
    if task.name == "embedded-reber":
        p = 1 / (1 + np.exp(-logits))
        t = batch.targets
        per_unit = -(t * np.log(p) + (1 - t) * np.log(1 - p))
        return per_unit[scored].mean()
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_p, batch.targets[..., None], axis=-1)[..., 0]
    return -picked[scored].mean()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", BY_NAME)
def test_the_loss_is_right_and_its_gradient_reaches_exactly_the_scored_steps(name, dtype):
    task = BY_NAME[name]()
    batch = task.batch(6, rng())
    logits = rng(1).normal(size=batch.inputs.shape[:2] + (task.output_size,))
    outputs = minigrad.tensor(logits, dtype=dtype, requires_grad=True)
    loss = task.loss(outputs, batch)
    assert loss.shape == () and loss.dtype == np.dtype(dtype)
    assert loss.item() == pytest.approx(reference_loss(task, logits, batch),
                                        rel=1e-5 if dtype == "float32" else 1e-10)
    loss.backward()
    touched = np.abs(outputs.grad.numpy()).sum(-1) > 0
    np.testing.assert_array_equal(touched, scored_steps(task, batch))


@pytest.mark.gpu
@pytest.mark.parametrize("name", BY_NAME)
def test_loss_and_metric_on_the_gpu_agree_with_the_cpu(name):
    task = BY_NAME[name]()
    batch = task.batch(6, rng())
    logits = rng(1).normal(size=batch.inputs.shape[:2] + (task.output_size,))
    on_cpu = minigrad.tensor(logits, requires_grad=True)
    on_gpu = minigrad.tensor(logits, device="cuda", requires_grad=True)
    cpu_loss, gpu_loss = task.loss(on_cpu, batch), task.loss(on_gpu, batch)
    assert gpu_loss.device == "cuda:0"
    assert gpu_loss.item() == pytest.approx(cpu_loss.item(), rel=1e-5)
    cpu_loss.backward()
    gpu_loss.backward()
    np.testing.assert_allclose(on_gpu.grad.numpy(), on_cpu.grad.numpy(), rtol=1e-5, atol=1e-7)
    with minigrad.no_grad():
        assert task.metric(on_gpu, batch) == pytest.approx(task.metric(on_cpu, batch))


def test_outputs_of_the_wrong_shape_are_refused():
    task = CopyTask()
    batch = task.batch(4, rng())
    with pytest.raises(ValueError, match=r"outputs must have shape .*\(30, 4, 9\)"):
        task.loss(as_outputs(np.zeros((30, 4, 8))), batch)


# -- lookahead: only a model that sees the future beats chance -----------------------

def test_lookahead_oracle_solves_it_and_the_best_causal_guess_is_chance():
    task = LookaheadTask()
    batch = task.batch(256, rng())
    d = task.distance
    oracle = np.zeros(batch.inputs.shape)
    oracle[:-d] = 30.0 * batch.inputs[d:]        # reads the input d steps ahead
    outputs = as_outputs(oracle)
    assert task.solved(task.loss(outputs, batch).item(), task.metric(outputs, batch))
    # A causal predictor that bets on any function of the past (here: the current
    # symbol, or the previous one) is right 1 time in 8, and its loss is above chance.
    for past in (batch.inputs, np.roll(batch.inputs, 1, axis=0)):
        bet = as_outputs(3.0 * past)
        assert task.metric(bet, batch) == pytest.approx(1 / 8, abs=0.03)
        assert task.loss(bet, batch).item() > task.baseline()
    uniform = as_outputs(np.zeros(batch.inputs.shape))
    assert task.loss(uniform, batch).item() == pytest.approx(task.baseline())


def test_lookahead_is_learnt_by_a_bidirectional_cell_but_not_a_forward_one():
    task = LookaheadTask(length=8, distance=1, symbols=4)
    results = {}
    for cell in ("gru", "bi-gru"):
        minigrad.manual_seed(0)
        model = minigrad.nn.SequenceModel(cell, task.input_size, 16, task.output_size)
        optimizer = minigrad.optim.Adam(model.parameters(), lr=0.02)
        generator = rng(0)
        for _ in range(150):
            batch = task.batch(32, generator)
            loss = task.loss(model(minigrad.tensor(batch.inputs)), batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        batch = task.batch(256, generator)
        with minigrad.no_grad():
            outputs = model(minigrad.tensor(batch.inputs))
        results[cell] = (task.loss(outputs, batch).item(), task.metric(outputs, batch))
    assert results["bi-gru"][1] > 0.95
    assert results["gru"][0] > task.baseline() - 0.02 and results["gru"][1] < 0.35


# -- the user documentation (tests/test_docs.py runs its examples) ---------------------

def test_docs_tasks_md_has_a_section_for_every_task():
    headings = re.findall(r"^## `([a-z-]+)`$", DOCS.read_text(encoding="utf-8"), flags=re.M)
    assert headings == [task.name for task in TASKS]
