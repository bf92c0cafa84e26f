"""The text task: its splits and windows, perplexity, the n-gram baselines against a
direct count, and the CLI (``minigrad compare --task text``), bad input included."""
import json
import math
import subprocess
from collections import Counter

import numpy as np
import pytest

import minigrad
from minigrad.cell_setup import InvalidRunError
from minigrad.plugins.tasks import ngram
from minigrad.plugins.tasks.text import TextTask
from minigrad.vocabulary import tokenize

from commands import console_script, invoke, subprocess_env
from test_bad_input import assert_usage_error

FAST = ["--hidden", "8", "--batch", "4", "--eval-every", "10"]
USER_TEXT = "".join(f"line {i} says the {'red' if i % 3 else 'blue'} fox ran.\n"
                    for i in range(60))


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text(USER_TEXT, encoding="utf-8")
    return path


def test_the_splits_are_the_first_90_and_last_10_percent_of_the_tokens(user_file):
    task = TextTask(level="word", file=str(user_file), length=5)
    tokens = tokenize(USER_TEXT, "word")
    assert len(task.train_ids) + len(task.held_ids) == len(tokens)
    assert len(task.train_ids) == int(0.9 * len(tokens))
    assert task.vocabulary.decode(task.train_ids) == tokens[:len(task.train_ids)]
    assert task.input_size == task.output_size == len(task.vocabulary)


def test_windows_target_the_next_token_from_their_own_split():
    task = TextTask(length=7)
    for draw, stream in ((task.batch, task.train_ids), (task.eval_batch, task.held_ids)):
        batch = draw(6, np.random.default_rng(1))
        inputs = batch.inputs.argmax(-1)                      # (seq, batch) ids
        assert batch.inputs.shape == (7, 6, task.input_size) and batch.mask.all()
        assert (batch.targets[:-1] == inputs[1:]).all()
        whole = "," + ",".join(map(str, stream)) + ","
        for column in range(6):  # each window is a stretch of its own split's stream
            window = np.append(inputs[:, column], batch.targets[-1, column])
            assert "," + ",".join(map(str, window)) + "," in whole


def test_perplexity_is_the_exponential_of_the_mean_negative_log_likelihood():
    task = TextTask(length=5)
    batch = task.eval_batch(3, np.random.default_rng(0))
    logits = np.random.default_rng(2).normal(size=batch.inputs.shape[:2] + (task.output_size,))
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    nll = -np.take_along_axis(log_p, batch.targets[..., None], -1).mean()
    outputs = minigrad.tensor(logits)
    assert task.loss(outputs, batch).item() == pytest.approx(nll, rel=1e-9)
    assert task.metric(outputs, batch) == pytest.approx(math.exp(nll), rel=1e-9)
    uniform = minigrad.tensor(np.zeros_like(logits))
    assert task.metric(uniform, batch) == pytest.approx(task.output_size)


def direct_cross_entropies(train, held, V):
    """Add-one unigram and bigram models, counted with Counter and scored with a loop."""
    unigrams, bigrams = Counter(train), Counter(zip(train, train[1:]))
    contexts = Counter(train[:-1])
    uni = bi = 0.0
    for previous, token in zip(held, held[1:]):
        uni -= math.log((unigrams[token] + 1) / (len(train) + V))
        bi -= math.log((bigrams[previous, token] + 1) / (contexts[previous] + V))
    return uni / (len(held) - 1), bi / (len(held) - 1)


def test_the_ngram_models_match_a_direct_count_on_a_small_stream():
    train, held = [2, 3, 2, 3, 1, 2, 2], [2, 3, 0, 2, 1]
    uni, bi = direct_cross_entropies(train, held, 4)
    assert ngram.unigram_cross_entropy(train, held, 4) == pytest.approx(uni, rel=1e-12)
    assert ngram.bigram_cross_entropy(train, held, 4) == pytest.approx(bi, rel=1e-12)
    # by hand: P(3) = (2 + 1) / (7 + 4); 2 is followed by 3, 3, 2: P(3 | 2) = (2 + 1) / (3 + 4)
    assert ngram.unigram_probabilities(train, 4)[3] == pytest.approx(3 / 11)
    assert ngram.bigram_probabilities(train, 4)[2, 3] == pytest.approx(3 / 7)
    assert np.allclose(ngram.bigram_probabilities(train, 4).sum(1), 1)


@pytest.mark.parametrize("level", ["char", "word"])
def test_the_task_baselines_are_those_of_its_splits(level):
    task = TextTask(level=level, vocab=30)
    uni, bi = direct_cross_entropies(task.train_ids.tolist(), task.held_ids.tolist(),
                                     len(task.vocabulary))
    assert task.baseline() == pytest.approx(uni, rel=1e-9)
    figures = task.references()
    assert figures["unigram_perplexity"] == pytest.approx(math.exp(uni), rel=1e-9)
    assert figures["bigram_perplexity"] == pytest.approx(math.exp(bi), rel=1e-9)
    assert figures["vocab_size"] == 32
    assert ("unigram_bits_per_char" in figures) == (level == "char")
    if level == "char":
        assert figures["bigram_bits_per_char"] == pytest.approx(bi / math.log(2))
    # solved half a nat below the better n-gram model, not merely below it
    assert task.solved_loss() == pytest.approx(min(uni, bi) - 0.5, rel=1e-9)
    edge = task.solved_loss()
    assert not task.solved(min(uni, bi) - 0.01, math.exp(min(uni, bi) - 0.01))
    assert not task.solved(edge + 0.01, math.exp(edge + 0.01))
    assert task.solved(edge, math.exp(edge))
    assert figures["solved_below_perplexity"] == pytest.approx(math.exp(edge), rel=1e-9)


def test_the_shipped_text_is_package_data_and_has_eos_and_unk():
    task = TextTask(level="word", vocab=50)
    assert (task.train_ids == task.vocabulary.eos_id).sum() > 100
    assert (task.held_ids == task.vocabulary.unk_id).any()  # the rest of the words


def test_compare_reports_perplexity_and_the_baselines_beside_it():
    result = invoke("compare", "--cells", "rnn,lstm", "--task", "text", "--steps", "20", *FAST)
    assert result.exit_code == 0, result.stderr
    header, _, *rows, beside = result.stdout.strip().splitlines()
    assert "perplexity" in header.split() and [r.split()[0] for r in rows] == ["rnn", "lstm"]
    assert beside.startswith("beside: ") and "unigram perplexity" in beside
    assert "bigram perplexity" in beside and "bigram bits per char" in beside
    assert "unigram perplexity" in result.stderr  # in the setup, before training


def test_json_carries_the_unigram_as_baseline_loss_and_the_references(user_file):
    result = invoke("compare", "--cells", "gru", "--task", "text", "--file", user_file,
                    "--level", "word", "--length", "6", "--steps", "10", "--json", *FAST)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    task = TextTask(level="word", file=str(user_file), length=6)
    assert data["task"]["file"] == str(user_file)
    assert data["task"]["baseline_loss"] == pytest.approx(task.baseline())
    assert data["task"]["references"]["vocab_size"] == len(task.vocabulary)
    assert data["results"][0]["metric"] == "perplexity"
    assert data["results"][0]["score"] == pytest.approx(
        math.exp(data["results"][0]["final_loss"]), rel=0.05)  # one eval batch: close


@pytest.mark.parametrize("write, args, fragments", [
    (None, ["--file", "nowhere.txt"], ["--file nowhere.txt: no such file"]),
    ("", ["--file", "{path}"], ["holds no text"]),
    (b"caf\xe9 au lait\n" * 50, ["--file", "{path}"], ["is not UTF-8", "byte 3"]),
    ("tiny\n", ["--file", "{path}"], ["too short for --length 32", "at most"]),
    (None, ["--vocab", "0"], ["option 'vocab' must be at least 1"]),
    (None, ["--level", "foo"], ["option 'level' must be one of ['char', 'word']"]),
])
def test_bad_input_exits_2_with_one_line(tmp_path, write, args, fragments):
    path = tmp_path / "given.txt"
    if isinstance(write, str):
        path.write_text(write, encoding="utf-8")
    elif write is not None:
        path.write_bytes(write)
    args = [a.replace("{path}", str(path)) for a in args]
    result = invoke("compare", "--cells", "rnn", "--task", "text", *args, "--steps", "1")
    assert_usage_error(result, *fragments)


def test_a_folder_given_as_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        TextTask(file=str(tmp_path))


def test_the_console_script_trains_on_a_users_file(user_file):
    completed = subprocess.run(
        [console_script(), "compare", "--cells", "rnn", "--task", "text", "--file",
         str(user_file), "--length", "8", "--steps", "3", "--json", "--quiet", *FAST],
        capture_output=True, text=True, timeout=120, env=subprocess_env())
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert data["results"][0]["steps"] == 3 and data["task"]["level"] == "char"
    assert completed.stderr == ""


# -- --stream: batches that continue each other, the state carried across them ---------

def test_stream_batches_go_on_where_the_last_stopped():
    task = TextTask(length=8, stream=True)
    assert task.carries_state and not TextTask(length=8).carries_state
    first, second = task.batch_at(4, 0), task.batch_at(4, 1)
    ids = first.inputs.argmax(-1)
    np.testing.assert_array_equal(first.targets[:-1], ids[1:])       # next-token targets
    np.testing.assert_array_equal(second.inputs.argmax(-1)[0], first.targets[-1])
    part = (len(task.train_ids) - 1) // 4
    np.testing.assert_array_equal(ids[0], task.train_ids[np.arange(4) * part])
    windows = part // 8
    np.testing.assert_array_equal(task.batch_at(4, windows).inputs, first.inputs)  # a new pass


def test_a_stream_run_carries_the_state_from_each_batch_into_the_next(monkeypatch):
    from minigrad.nn import SequenceModel
    seen, real_run = [], SequenceModel.run

    def spy(model, inputs, state=None, tbptt=None):
        outputs, final = real_run(model, inputs, state, tbptt)
        if model.training:  # a training step (evaluation starts each window afresh)
            seen.append((state, final))
        return outputs, final
    monkeypatch.setattr(SequenceModel, "run", spy)
    minigrad.train("gru", "text", task_options={"stream": True, "length": 6}, steps=3,
                   hidden=8, batch=4, eval_every=3, eval_batches=1, early_stop=False)
    assert len(seen) == 3 and seen[0][0] is None
    for (_, ended), (started, _) in zip(seen, seen[1:]):
        np.testing.assert_array_equal(started[0].numpy(), ended[0].detach().numpy())
        assert not started[0].requires_grad      # the gradient stops at the batch's start


def test_a_stream_run_continued_from_its_checkpoint_is_bit_identical(tmp_path):
    from test_durable_runs import stop_after
    options = dict(task_options={"stream": True, "length": 6}, steps=12, hidden=8, batch=4,
                   eval_every=4, eval_batches=1, early_stop=False)
    whole = minigrad.train("lstm", "text", **options)
    path = tmp_path / "run.npz"
    stopped = minigrad.train("lstm", "text", checkpoint=path, checkpoint_every=4,
                             stop=stop_after(7), **options)
    assert stopped.interrupted and "carried" in minigrad.load(path)
    continued = minigrad.train("lstm", "text", resume_from=path, **options)
    assert continued.curve == whole.curve and continued.final_loss == whole.final_loss


def test_a_stream_is_refused_where_the_state_cannot_go_forward():
    with pytest.raises(InvalidRunError, match="bi-gru also runs backwards"):
        minigrad.train("bi-gru", "text", task_options={"stream": True}, steps=1)
    with pytest.raises(InvalidRunError, match="into 5000 streams"):
        minigrad.train("gru", "text", task_options={"stream": True}, steps=1, batch=5000)
