"""The shapes of RNN: the tasks that declare one (negation, name-tagging, melody,
number-words), the models the trainer builds for them (SequenceClassifier, OneToMany,
Seq2Seq), and each shape trained past its baseline by the trainer."""
import math

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import shapes
from minigrad.cell_setup import InvalidRunError
from minigrad.gradcheck import gradcheck
from minigrad.nn import Linear, OneToMany, RecurrentCell, SequenceClassifier
from minigrad.plugins.tasks import (TASKS, MelodyTask, NameTaggingTask, NegationTask,
                                    NumberWordsTask)
from minigrad.plugins.tasks.number_words import SOURCE_WORDS, number_words
from minigrad.task import SHAPES, Batch, Task

from commands import invoke


def rng(seed=0):
    return np.random.default_rng(seed)


def tokens_of(batch):
    return batch.inputs.argmax(-1)


def test_every_built_in_task_declares_a_known_shape_and_each_shape_has_one():
    declared = {task.name: task.shape for task in TASKS}
    assert set(declared.values()) == set(SHAPES)
    assert declared["negation"] == "many-to-one" and declared["melody"] == "one-to-many"
    assert declared["number-words"] == "encoder-decoder"
    assert declared["name-tagging"] == declared["copy"] == "per-step"


# -- negation (many to one) ------------------------------------------------------------

def test_negation_labels_are_the_adjective_turned_by_a_far_not():
    task = NegationTask(length=12, words=5)
    batch = task.batch(500, rng())
    words = tokens_of(batch)
    assert batch.targets.shape == (500,) and batch.targets.dtype == np.int64
    good = (words == task.good).any(axis=0)
    bad = (words == task.bad).any(axis=0)
    negated = (words == task.not_).any(axis=0)
    assert (good ^ bad).all(), "one adjective per sentence"
    np.testing.assert_array_equal(batch.targets, good != negated)
    assert not (words[6:] == task.not_).any() and not (words[:6] == task.good).any()
    assert 0.4 < negated.mean() < 0.6 and 0.4 < good.mean() < 0.6


def test_negation_baseline_is_what_the_last_word_or_one_fact_alone_gives():
    """Fit the best predictor that reads one thing — the last word, or which adjective —
    and its loss on fresh sentences is ln 2, the task's baseline."""
    task = NegationTask()
    train, test = task.batch(20000, rng(1)), task.batch(20000, rng(2))
    for feature in (lambda b: tokens_of(b)[-1],
                    lambda b: (tokens_of(b) == task.good).any(axis=0).astype(int)):
        counts = np.ones((task.input_size, 2))
        np.add.at(counts, (feature(train), train.targets), 1)
        logits = np.log(counts / counts.sum(1, keepdims=True))[feature(test)]
        loss = task.loss(minigrad.tensor(logits), test).item()
        assert loss == pytest.approx(task.baseline(), abs=0.01)
    assert task.baseline() == pytest.approx(math.log(2))


def test_negation_scores_one_answer_per_sentence():
    task = NegationTask(length=6)
    batch = task.batch(4, rng())
    perfect = np.eye(2)[batch.targets] * 20
    assert task.metric(minigrad.tensor(perfect), batch) == 1.0
    assert task.solved(0.0, 1.0) and not task.solved(0.0, 0.9)
    with pytest.raises(ValueError, match=r"many-to-one.*shape \(4, 2\).*got \(6, 4, 2\)"):
        task.loss(minigrad.tensor(np.zeros((6, 4, 2))), batch)


# -- name tagging (per step, the future decides) --------------------------------------

def test_a_first_word_is_tagged_a_name_exactly_when_a_surname_follows():
    task = NameTaggingTask(length=12, names=3, first=2, words=4)
    batch = task.batch(300, rng())
    words, tags = tokens_of(batch), batch.targets
    first, surname = words < 2, (words >= 2) & (words < 4)
    following_surname = np.zeros_like(first)
    following_surname[:-1] = surname[1:]
    np.testing.assert_array_equal(tags[first], following_surname[first])
    np.testing.assert_array_equal(tags[surname], 1)
    assert (tags[words >= 4] == 0).all()          # objects and filler words
    assert (first.sum(axis=0) == 3).all() and batch.mask.all()


def test_name_tagging_refuses_more_phrases_than_fit():
    with pytest.raises(ValueError, match="3 two-word phrases need a 'length' of at least 6"):
        NameTaggingTask(length=5, names=3)


# -- melody (one to many) --------------------------------------------------------------

def test_melody_batches_are_the_melodies_their_seeds_name():
    task = MelodyTask(melodies=5, length=10, notes=6)
    batch = task.batch(40, rng())
    assert batch.inputs.shape == (1, 40, 5)
    seeds = tokens_of(batch)[0]
    np.testing.assert_array_equal(batch.targets, task.tunes[seeds].T)
    assert task.tunes.min() >= 0 and task.tunes.max() < 6
    assert set(np.abs(np.diff(task.tunes, axis=1)).ravel()) <= {0, 1, 2}
    assert not np.array_equal(task.tunes, MelodyTask(melodies=5, length=10, notes=6,
                                                     melody_seed=1).tunes)


def test_melody_baseline_is_the_best_predictor_reading_only_its_input():
    """Count p(first note | seed) and p(next | previous) from sampled batches, score that
    predictor with the task's loss: the task's baseline, computed exactly."""
    task = MelodyTask(melodies=6, length=12, notes=5)
    train = task.batch(5000, rng(1))
    seeds = tokens_of(train)[0]
    first = np.full((task.melodies, task.notes), 1e-9)
    np.add.at(first, (seeds, train.targets[0]), 1)
    after = np.full((task.notes, task.notes), 1e-9)
    np.add.at(after, (train.targets[:-1], train.targets[1:]), 1)
    test = task.batch(5000, rng(2))
    logits = np.concatenate([np.log(first / first.sum(1, keepdims=True))[tokens_of(test)],
                             np.log(after / after.sum(1, keepdims=True))[test.targets[:-1]]])
    loss = task.loss(minigrad.tensor(logits), test).item()
    assert loss == pytest.approx(task.baseline(), rel=0.02)


def test_exact_match_needs_every_note_of_a_melody():
    task = MelodyTask(melodies=3, length=5, notes=4)
    batch = task.batch(4, rng())
    played = batch.targets.copy()
    assert task.metric(played, batch) == 1.0
    played[3, 1] = (played[3, 1] + 1) % 4
    assert task.metric(played, batch) == 0.75
    with pytest.raises(ValueError, match="generated notes must have shape"):
        task.metric(played[:2], batch)


# -- number words (encoder–decoder) ----------------------------------------------------

@pytest.mark.parametrize("n, words", [(0, "zero"), (7, "seven"), (13, "thirteen"),
                                      (40, "forty"), (58, "fifty eight"),
                                      (100, "one hundred"), (312, "three hundred twelve"),
                                      (705, "seven hundred five"),
                                      (999, "nine hundred ninety nine")])
def test_number_words_are_english(n, words):
    assert number_words(n) == words


def test_number_words_encode_the_words_left_padded_and_the_digits_then_eos():
    task = NumberWordsTask()
    source, target, mask = task.encode(np.array([312, 7]))
    assert [SOURCE_WORDS[i] for i in source[:, 0]] == ["<pad>", "three", "hundred", "twelve"]
    assert [SOURCE_WORDS[i] for i in source[:, 1]] == ["<pad>"] * 3 + ["seven"]
    assert target[:, 0].tolist() == [3, 1, 2, task.end_token]
    assert target[:2, 1].tolist() == [7, task.end_token] and mask[:, 1].tolist() == \
        [True, True, False, False]


def test_number_words_trains_and_scores_on_disjoint_numbers():
    task = NumberWordsTask(largest=200, held_out=0.25)
    assert not set(task.trained) & set(task.evaluated)
    assert len(task.evaluated) == 50 and len(task.trained) + 50 == 201

    def numbers(batch):
        digits = np.where(batch.mask & (batch.targets < 10), batch.targets, -1)
        return {int("".join(str(d) for d in column if d >= 0)) for column in digits.T}
    assert numbers(task.batch(300, rng())) <= set(task.trained)
    assert numbers(task.eval_batch(300, rng())) <= set(task.evaluated)
    with pytest.raises(ValueError, match="'held_out' must lie strictly between 0 and 1"):
        NumberWordsTask(held_out=1.0)


def test_number_words_baseline_is_a_digit_bigram_blind_to_the_source():
    task = NumberWordsTask(largest=99)
    train = task.batch(20000, rng(1))
    previous = np.vstack([np.full((1, 20000), task.start_token), train.targets[:-1]])
    counts = np.full((task.output_size, task.output_size), 1e-9)
    np.add.at(counts, (previous[train.mask], train.targets[train.mask]), 1)
    table = np.log(counts / counts.sum(1, keepdims=True))
    test = task.batch(20000, rng(2))
    previous = np.vstack([np.full((1, 20000), task.start_token), test.targets[:-1]])
    loss = task.loss(minigrad.tensor(table[previous]), test).item()
    assert loss == pytest.approx(task.baseline(), rel=0.02)


def test_number_words_exact_match_reads_the_decoded_digits_up_to_eos():
    task = NumberWordsTask()
    source, target, mask = task.encode(np.array([312, 7]))
    batch = Batch(source, target, mask)
    eos = task.end_token
    assert task.metric(batch.targets, batch) == 1.0
    assert task.metric(np.array([[3, 7], [1, eos], [2, eos], [eos, eos]]), batch) == 1.0
    assert task.metric(np.array([[3, 7], [1, 2], [2, eos], [eos, eos]]), batch) == 0.5
    assert task.metric(np.array([[3, 7], [1, eos]]), batch) == 0.5   # stopped: no 2
    with pytest.raises(ValueError, match="decoded tokens must have shape"):
        task.metric(np.zeros((3, 5), dtype=int), batch)


# -- the models ------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["lstm", "bi-gru"])
def test_gradcheck_through_the_sequence_classifier(cell):
    minigrad.manual_seed(0)
    model = SequenceClassifier(cell, 3, 3, 2, dtype=minigrad.float64)
    x = minigrad.tensor(rng(1).normal(size=(4, 2, 3)))
    labels = np.array([0, 1])
    assert gradcheck(lambda *_: F.cross_entropy(model(x), labels), list(model.parameters()))


def test_a_bidirectional_classifier_reads_each_direction_at_its_own_end():
    minigrad.manual_seed(0)
    model = SequenceClassifier("bi-gru", 3, 4, 2, dtype=minigrad.float64)
    x = minigrad.tensor(rng(1).normal(size=(5, 2, 3)))
    with minigrad.no_grad():
        outputs = model.rnn(x)[0].numpy()
        ends = np.concatenate([outputs[-1, :, :4], outputs[0, :, 4:]], axis=1)
        expected = ends @ model.head.weight.numpy().T + model.head.bias.numpy()
        np.testing.assert_allclose(model(x).numpy(), expected, atol=1e-12)


def test_gradcheck_through_the_one_to_many_model_and_generation_feeds_back():
    minigrad.manual_seed(0)
    model = OneToMany("gru", 3, 4, 3, dtype=minigrad.float64)
    seed, previous = np.array([0, 2]), np.array([[1, 3], [0, 2]])
    target = np.array([[1, 3], [0, 2], [2, 2]])
    assert gradcheck(lambda *_: F.cross_entropy(model(seed, previous).reshape(-1, 4),
                                                target.reshape(-1)),
                     list(model.parameters()))
    written = model.generate(seed, 5).numpy()
    forced = model(seed, written[:-1]).detach().numpy().argmax(-1)  # its own notes fed back
    np.testing.assert_array_equal(forced, written)


def test_one_to_many_refuses_bad_seeds_and_bidirectional_cells():
    model = OneToMany("rnn", 3, 4, 5)
    with pytest.raises(ValueError, match=r"seeds must lie in \[0, num_seeds=3\)"):
        model(np.array([3]), np.zeros((1, 1), dtype=int))
    with pytest.raises(ValueError, match="runs in both directions"):
        OneToMany("bi-lstm", 3, 4, 5)


# -- the trainer builds each shape ----------------------------------------------------

SMALL = dict(hidden=24, batch=32, eval_every=25, eval_batches=2, seed=0, lr=0.02)


@pytest.mark.parametrize("cell, task, task_options, steps, model_class", [
    ("gru", "negation", {"length": 8}, 400, SequenceClassifier),
    ("lstm", "melody", {"melodies": 4, "length": 8, "notes": 5}, 200, OneToMany),
    ("gru", "number-words", {}, 400, minigrad.nn.Seq2Seq),
])
def test_each_shape_is_trained_past_its_baseline(cell, task, task_options, steps,
                                                 model_class):
    result = minigrad.train(cell, task, task_options=task_options, steps=steps, **SMALL)
    assert isinstance(result.model, model_class)
    assert result.final_loss < 0.5 * result.baseline_loss, result.curve[-1]
    assert result.score > 0.8, result.curve[-1]


def test_name_tagging_is_learnt_by_a_bidirectional_cell_but_not_a_forward_one():
    options = dict(task_options={"length": 8, "names": 2}, steps=150, **SMALL)
    both = minigrad.train("bi-gru", "name-tagging", **options)
    forward = minigrad.train("gru", "name-tagging", **options)
    assert both.solved and both.final_loss < 0.3 * both.baseline_loss
    assert not forward.solved and forward.final_loss > 0.8 * forward.baseline_loss


@pytest.mark.parametrize("task", ["negation", "melody", "number-words"])
def test_an_embedding_stands_in_for_one_hot_inputs_on_every_shape(task):
    result = minigrad.train("gru", task, steps=3, embed=5, hidden=8, batch=4, eval_every=3,
                            eval_batches=1)
    embeddings = [n for n, _ in result.model.named_parameters() if "embed" in n]
    assert embeddings and math.isfinite(result.final_loss)


def test_what_a_shape_cannot_do_is_refused_before_training():
    with pytest.raises(InvalidRunError, match="task 'melody' is one-to-many.*bi-lstm"):
        minigrad.train("bi-lstm", "melody", steps=1)
    with pytest.raises(InvalidRunError, match="encoder-decoder.*forward in time"):
        minigrad.compare(["gru", "bi-gru"], "number-words", steps=1)
    with pytest.raises(InvalidRunError, match="tbptt=4.*per-step task; task 'negation' is "
                                              "many-to-one"):
        minigrad.train("gru", "negation", steps=1, tbptt=4)


def test_a_task_declaring_an_unknown_shape_is_refused_with_the_shapes():
    class Sideways(NegationTask):
        shape = "sideways"
    with pytest.raises(InvalidRunError, match="shape 'sideways'.*per-step, many-to-one"):
        minigrad.train("gru", Sideways(), steps=1)
    assert issubclass(Sideways, Task) and shapes.shape_of(NegationTask()) == "many-to-one"


@pytest.mark.parametrize("task, metric", [("number-words", "exact match"),
                                          ("negation", "accuracy")])
def test_compare_on_the_command_line_runs_every_shape(task, metric):
    result = invoke("compare", "--cells", "rnn,gru", "--task", task, "--steps", 4,
                    "--hidden", 8, "--eval-every", 2, "--json")
    assert result.exit_code == 0, result.output
    import json
    data = json.loads(result.stdout)
    assert [r["cell"] for r in data["results"]] == ["rnn", "gru"]
    assert data["task"]["metric"] == metric and data["task"]["baseline_loss"] > 0


def test_a_bidirectional_cell_on_a_generated_shape_is_a_usage_error():
    result = invoke("compare", "--cells", "bi-gru", "--task", "melody", "--steps", 2)
    assert result.exit_code == 2
    assert "one-to-many" in result.stderr and "Traceback" not in result.stderr


class MinimalGatedUnit(RecurrentCell):
    """A third party's cell, written from Tensor ops only: f = σ(W_f [x; h] + b_f),
    h' = (1 - f) h + f tanh(W_h [x; f h] + b_h)."""

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__(input_size, hidden_size)
        width = input_size + hidden_size
        self.forget = Linear(width, hidden_size)
        self.candidate = Linear(width, hidden_size)

    def forward(self, x, state):
        (h,) = state
        f = self.forget(minigrad.cat([x, h], dim=1)).sigmoid()
        candidate = self.candidate(minigrad.cat([x, f * h], dim=1)).tanh()
        h = (1 - f) * h + f * candidate
        return h, (h,)


@pytest.mark.parametrize("task", ["negation", "melody", "number-words"])
def test_a_third_party_cell_trains_on_every_shape(task):
    result = minigrad.train(MinimalGatedUnit, task, steps=4, hidden=8, batch=4,
                            eval_every=2, eval_batches=1)
    assert result.steps == 4 and math.isfinite(result.final_loss)
    layers = [m for m in result.model.modules() if isinstance(m, minigrad.nn.Recurrent)]
    cells = [cell for layer in layers for cell in layer.layer_cells]
    assert cells and all(isinstance(cell, MinimalGatedUnit) for cell in cells)
    assert all(p.grad is not None for p in result.model.parameters())


@pytest.mark.parametrize("task", sorted(t.name for t in TASKS))
def test_compare_rnn_gru_lstm_runs_on_every_built_in_task(task):
    result = invoke("compare", "--cells", "rnn,gru,lstm", "--task", task, "--steps", 2,
                    "--hidden", 4, "--batch", 2, "--eval-every", 2)
    assert result.exit_code == 0, result.output
    rows = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert rows[rows.index("cell") + 2:][:3] == ["rnn", "gru", "lstm"]  # after the rule
