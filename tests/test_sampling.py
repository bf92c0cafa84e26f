"""Sampling and scoring (``minigrad.sampling``, ``minigrad sample``/``score``): a seed
fixes a sample, top-k 1 is greedy, a score is the sum of the per-step log-softmax of the
model run over the whole sequence, the checkpoint carries the vocabulary, bad input
exits 2."""
import json
import math
import subprocess

import numpy as np
import pytest

import minigrad
from minigrad import sampling
from minigrad.nn.sequence_model import SequenceModel
from minigrad.vocabulary import Vocabulary, tokenize

from commands import console_script, invoke, subprocess_env
from test_bad_input import assert_usage_error

TEXT = "".join(f"the {'cat' if i % 2 else 'dog'} ate the fish {i % 5}.\n" for i in range(40))
TINY = ["--hidden", "8", "--batch", "4", "--eval-every", "10", "--steps", "12", "--length", "8",
        "-q"]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A char-level LSTM trained for 12 steps on TEXT, saved by `minigrad train`."""
    folder = tmp_path_factory.mktemp("lm")
    (folder / "tiny.txt").write_text(TEXT, encoding="utf-8")
    path = folder / "lm.npz"
    result = invoke("train", "--cell", "lstm", "--task", "text", "--file", folder / "tiny.txt",
                    "--save", path, *TINY)
    assert result.exit_code == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def loaded(checkpoint):
    return sampling.load_language_model(str(checkpoint))


def direct_model(cell="gru", seed=0):
    """A small untrained model over a hand-made char vocabulary (no checkpoint)."""
    vocabulary = Vocabulary.build(tokenize(TEXT, "char"), 100, "char")
    minigrad.manual_seed(seed)
    model = SequenceModel(cell, len(vocabulary), 6, len(vocabulary), dtype="float64")
    return model.eval(), vocabulary


# ------------------------------------------------------------------ the checkpoint
def test_the_checkpoint_carries_the_vocabulary_and_the_settings(checkpoint, loaded):
    model, vocabulary, settings = loaded
    saved = minigrad.load(str(checkpoint))
    assert json.loads(saved["vocabulary"]) == vocabulary.to_dict()
    assert vocabulary.level == "char" and "c" in vocabulary and "<EOS>" in vocabulary
    assert settings["task"] == "text" and settings["cells"] == ["lstm"]
    assert settings["training"]["hidden"] == 8
    for name, value in model.state_dict().items():  # the trained weights, not fresh ones
        np.testing.assert_array_equal(value.numpy(), saved["model"][name])


def test_a_checkpoint_of_a_task_without_a_vocabulary_is_refused(tmp_path):
    path = tmp_path / "copy.npz"
    assert invoke("train", "--cell", "rnn", "--task", "copy", "--hidden", "4", "--steps", "2",
                  "--save", path, "-q").exit_code == 0
    assert "vocabulary" not in minigrad.load(str(path))
    with pytest.raises(sampling.NotALanguageModel, match="task 'copy', not of a token task"):
        sampling.load_language_model(str(path))
    assert_usage_error(invoke("sample", "--load", path), "--load", "not of a token task")


# ------------------------------------------------------------------------ sampling
def test_the_same_seed_gives_the_same_sample_and_other_seeds_differ(loaded):
    model, vocabulary, _ = loaded
    first = [sampling.sample(model, vocabulary, "the ", length=30, seed=s).tokens
             for s in range(4)]
    again = [sampling.sample(model, vocabulary, "the ", length=30, seed=s).tokens
             for s in range(4)]
    assert first == again
    assert len({tuple(tokens) for tokens in first}) > 1


def test_top_k_1_is_greedy_decoding():
    model, vocabulary = direct_model()
    greedy = sampling.sample(model, vocabulary, "the", length=15, top_k=1, seed=0)
    # the greedy path, one argmax at a time, by running the model over the growing text
    ids = [vocabulary.eos_id] + vocabulary.encode(list("the"))
    expected = []
    for _ in range(15):
        logits = model(one_hot(ids, len(vocabulary))).detach().numpy()[-1, 0]
        ids.append(int(np.argmax(logits)))
        expected.append(ids[-1])
        if ids[-1] == vocabulary.eos_id:
            break
    assert greedy.tokens == vocabulary.decode(expected)
    for seed, temperature in [(1, 1.0), (2, 3.0)]:  # any seed, any temperature
        assert sampling.sample(model, vocabulary, "the", length=15, top_k=1, seed=seed,
                               temperature=temperature).tokens == greedy.tokens


def test_sampling_stops_at_eos_or_after_length_tokens(loaded):
    model, vocabulary, _ = loaded
    for seed in range(6):
        result = sampling.sample(model, vocabulary, length=12, seed=seed)
        assert 1 <= len(result.tokens) <= 12
        if result.stopped == "eos":
            assert result.tokens[-1] == "<EOS>" and "<EOS>" not in result.tokens[:-1]
        else:
            assert len(result.tokens) == 12 and "<EOS>" not in result.tokens
    result = sampling.sample(model, vocabulary, "the Zc", length=5, seed=0)
    assert result.prime == list("the Zc")
    assert result.text == "the Zc" + vocabulary.decode_text(vocabulary.encode(result.tokens))


def test_top_k_draws_only_from_the_k_most_likely_tokens():
    model, vocabulary = direct_model()
    first = sampling._stepper(model, vocabulary)(vocabulary.eos_id)
    top3 = set(np.argsort(-first)[:3])
    for seed in range(20):
        token = sampling.sample(model, vocabulary, length=1, top_k=3, seed=seed).tokens[0]
        assert vocabulary.ids[token] in top3


# ------------------------------------------------------------------------- scoring
def one_hot(ids, size):
    x = np.zeros((len(ids), 1, size))
    x[np.arange(len(ids)), 0, ids] = 1.0
    return minigrad.tensor(x, dtype="float64")


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_a_score_is_the_sum_of_the_per_step_log_softmax_of_the_whole_sequence(cell):
    model, vocabulary = direct_model(cell)
    text = "the cat ate the fish.\nthe dog\n"
    ids = [vocabulary.eos_id] + vocabulary.encode_text(text)
    log_p = minigrad.log_softmax(model(one_hot(ids[:-1], len(vocabulary))), dim=-1).detach().numpy()
    per_step = log_p[np.arange(len(ids) - 1), 0, ids[1:]]
    result = sampling.score(model, vocabulary, text)
    assert [row["token"] for row in result.tokens] == tokenize(text, "char")
    np.testing.assert_allclose([row["log_prob"] for row in result.tokens], per_step,
                               rtol=1e-9, atol=1e-12)
    assert result.log_prob == pytest.approx(per_step.sum(), rel=1e-9)
    assert result.bits == pytest.approx(-per_step.sum() / math.log(2), rel=1e-9)
    assert all(row["probability"] == pytest.approx(math.exp(row["log_prob"]))
               for row in result.tokens)


def test_unseen_tokens_are_scored_as_unk_and_said_so(loaded):
    model, vocabulary, _ = loaded
    assert "Z" not in vocabulary
    result = sampling.score(model, vocabulary, "Zthe")
    assert result.unknown == ["Z"]
    assert result.tokens[0]["scored_as"] == "<UNK>" and result.tokens[0]["unknown"]
    assert result.tokens[1]["scored_as"] == "t" and not result.tokens[1]["unknown"]


# ----------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, fragment", [
    ({"temperature": 0}, "temperature must be a finite number > 0"),
    ({"temperature": -1.0}, "temperature must be a finite number > 0"),
    ({"temperature": float("inf")}, "temperature must be a finite number > 0"),
    ({"top_k": 0}, "top_k must be a whole number >= 1"),
    ({"top_k": 2.5}, "top_k must be a whole number >= 1"),
    ({"length": 0}, "length must be a whole number >= 1"),
    ({"prime": 3}, "prime must be text"),
])
def test_the_api_refuses_bad_settings(kwargs, fragment):
    model, vocabulary = direct_model()
    with pytest.raises(ValueError, match=fragment):
        sampling.sample(model, vocabulary, **kwargs)


def test_scoring_nothing_is_refused():
    model, vocabulary = direct_model()
    with pytest.raises(ValueError, match="nothing to score"):
        sampling.score(model, vocabulary, " \n ")


@pytest.mark.parametrize("args, fragments", [
    (["--temperature", "0"], ["--temperature must be > 0", "--top-k 1"]),
    (["--temperature", "-2"], ["--temperature must be > 0"]),
    (["--top-k", "0"], ["--top-k must be a whole number >= 1"]),
])
def test_the_cli_refuses_bad_settings(checkpoint, args, fragments):
    assert_usage_error(invoke("sample", "--load", checkpoint, *args), *fragments)


def test_the_cli_refuses_missing_corrupt_and_plain_checkpoints(tmp_path):
    assert_usage_error(invoke("sample", "--load", tmp_path / "none.npz"), "no such file")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    assert_usage_error(invoke("score", "--load", tmp_path / "junk.npz", "the"), "junk.npz")
    model, _ = direct_model()
    minigrad.save(model.state_dict(), str(tmp_path / "plain.npz"))
    assert_usage_error(invoke("sample", "--load", tmp_path / "plain.npz"),
                       "not a run's checkpoint")


# ----------------------------------------------------------------------------- CLI
def test_the_sample_command_prints_the_text_and_repeats_for_a_seed(checkpoint, loaded):
    model, vocabulary, _ = loaded
    args = ["sample", "--load", checkpoint, "--prime", "the ", "--length", "20", "--seed", "5"]
    first, second = invoke(*args), invoke(*args)
    assert first.exit_code == 0, first.stderr
    assert first.stdout == second.stdout
    expected = sampling.sample(model, vocabulary, "the ", length=20, seed=5)
    assert first.stdout == expected.text.rstrip("\n") + "\n"
    data = json.loads(invoke(*args, "--json").stdout)
    assert data["tokens"] == expected.tokens and data["stopped"] == expected.stopped


def test_the_score_command_prints_the_total_and_each_token(checkpoint, loaded):
    model, vocabulary, _ = loaded
    expected = sampling.score(model, vocabulary, "the Cat.")
    result = invoke("score", "--load", checkpoint, "the Cat.", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["log_prob"] == pytest.approx(expected.log_prob)
    assert data["unknown"] == ["C"] and len(data["tokens"]) == len("the Cat.") + 1
    table = invoke("score", "--load", checkpoint, "the Cat.").stdout
    assert table.startswith(f"log-probability {expected.log_prob:.4f} (ln)")
    assert "'C' (<UNK>)" in table and "scored as <UNK>" in table


def test_the_console_script_samples_and_scores(checkpoint):
    common = dict(capture_output=True, text=True, timeout=120, env=subprocess_env())
    done = subprocess.run([console_script(), "sample", "--load", str(checkpoint), "--seed", "1",
                           "--length", "10", "--json"], **common)
    assert done.returncode == 0, done.stderr
    assert 1 <= len(json.loads(done.stdout)["tokens"]) <= 10
    done = subprocess.run([console_script(), "score", "--load", str(checkpoint), "the cat"],
                          **common)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("log-probability")
    done = subprocess.run([console_script(), "sample", "--load", str(checkpoint),
                           "--temperature", "0"], **common)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_a_word_model_samples_and_scores_words():
    vocabulary = Vocabulary.build(tokenize(TEXT, "word"), 100, "word")
    minigrad.manual_seed(0)
    model = SequenceModel("lstm", len(vocabulary), 6, len(vocabulary)).eval()
    result = sampling.sample(model, vocabulary, "the cat", length=4, seed=2)
    drawn = [t for t in result.tokens if t != "<EOS>"]
    assert result.prime == ["the", "cat"]
    assert result.text.rstrip("\n") == " ".join(["the", "cat", *drawn])
    scored = sampling.score(model, vocabulary, "the cat ate.")
    assert [row["token"] for row in scored.tokens] == ["the", "cat", "ate", ".", "<EOS>"]
