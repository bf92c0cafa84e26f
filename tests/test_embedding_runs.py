"""Learned embeddings in front of the cell (``embed=D``, ``--embed D``): token ids read
back from one-hot inputs, the model, its gradients against the one-hot model, training,
checkpoints, results and bad input."""
import json
import subprocess

import numpy as np
import pytest

import minigrad
from minigrad import nn
from minigrad.task import token_ids
from minigrad.resuming import resume
from minigrad.training import InvalidRunError, compare, make_task, train
from minigrad.plugins.tasks.common import one_hot

from commands import console_script, invoke, subprocess_env
from test_durable_runs import stop_after
from test_bad_input import assert_usage_error

TINY = dict(task_options=dict(length=1, delay=2, symbols=2), hidden=8, batch=8, steps=40,
            eval_every=10)
COPY = ["--task", "copy", "--length", "1", "--delay", "2", "--symbols", "2"]
FAST = ["--hidden", "8", "--batch", "8", "--steps", "20", "--eval-every", "10"]
TOKEN_TASKS = {"copy", "associative-recall", "embedded-reber", "lookahead", "selective-copy",
               "temporal-order", "text"}


# ------------------------------------------------------------------- token ids
def test_token_ids_read_back_the_codes_of_one_hot_inputs():
    codes = np.random.default_rng(0).integers(0, 5, size=(7, 3))
    ids = token_ids(one_hot(codes, 5))
    assert ids.dtype == np.int64 and np.array_equal(ids, codes)


def test_a_padding_step_of_zeros_is_id_minus_one():
    codes = np.array([[0, 2], [1, -1], [-1, -1]])
    assert np.array_equal(token_ids(one_hot(codes, 3)), codes)


@pytest.mark.parametrize("inputs, words", [
    (np.array([[[0, 0.5, 0]]]), "step 0 of sequence 0"),
    (np.full((2, 1, 3), 1.0, dtype=np.float32), "a single 1 per step"),
    (np.zeros((2, 3)), "shaped (seq, batch, size)"),
])
def test_inputs_that_are_not_one_hot_have_no_token_ids(inputs, words):
    with pytest.raises(ValueError, match="one-hot") as caught:
        token_ids(inputs)
    assert words in str(caught.value)


def test_every_built_in_symbolic_task_says_its_inputs_are_tokens():
    declared = {name for name, spec in minigrad.tasks().items() if spec.factory.input_tokens}
    assert TOKEN_TASKS <= declared
    assert "adding" not in declared
    with pytest.raises(ValueError, match="no token inputs"):
        task = make_task("adding")
        task.tokens(task.batch(2, 0))


@pytest.mark.parametrize("name", sorted(TOKEN_TASKS))
def test_each_token_tasks_batch_gives_ids_within_its_vocabulary(name):
    task = make_task(name)
    batch = task.batch(3, 0)
    ids = task.tokens(batch)
    assert ids.shape == batch.inputs.shape[:2]
    assert -1 <= ids.min() and ids.max() < task.input_size
    assert np.array_equal(one_hot(ids, task.input_size), batch.inputs)


# ------------------------------------------------------------------- the model
def test_the_embedding_comes_first_and_the_cell_reads_d_values():
    model = nn.SequenceModel("rnn", 6, 4, 3, embed=5)
    assert isinstance(model.embed, nn.Embedding)
    assert model.embed.weight.shape == (7, 5)  # 6 tokens and the padding row
    assert model.state_dict()["rnn.weight_ih_l0"].shape == (4, 5)
    outputs = model(np.array([[0, 5], [2, 1], [3, -1]]))
    assert outputs.shape == (3, 2, 3)
    with pytest.raises(TypeError, match="integer token ids"):
        model(np.zeros((3, 2, 6), dtype=np.float32))
    assert nn.SequenceModel("rnn", 6, 4, 3).embed is None


@pytest.mark.parametrize("fused", [True, False])
def test_an_embedding_of_w_ih_transposed_is_the_one_hot_model_gradients_included(fused):
    """E = W_ihᵀ and W_ih' = I: x_t = E[v] = W_ih one_hot(v), so both models compute the
    same outputs, and dL/dE[v] = Σ_{t: token v} dL/dz_t = column v of dL/dW_ih."""
    vocab, hidden, classes = 5, 4, 3
    minigrad.manual_seed(1)
    plain = nn.SequenceModel("rnn", vocab, hidden, classes, dtype="float64", fused=fused)
    embedded = nn.SequenceModel("rnn", vocab, hidden, classes, dtype="float64", fused=fused,
                                embed=hidden)
    weights = {name: value.numpy() for name, value in plain.state_dict().items()}
    with minigrad.no_grad():
        for name, parameter in embedded.named_parameters():
            if name == "embed.weight":
                table = np.vstack([weights["rnn.weight_ih_l0"].T, np.zeros((1, hidden))])
                parameter.copy_(minigrad.tensor(table))
            elif name == "rnn.weight_ih_l0":
                parameter.copy_(minigrad.tensor(np.eye(hidden)))
            else:
                parameter.copy_(minigrad.tensor(weights[name]))
    codes = np.random.default_rng(2).integers(0, vocab, size=(6, 3))
    codes[4:, 0] = -1  # padding: zeros one-hot, the zero row embedded
    targets = minigrad.tensor(np.random.default_rng(3).normal(size=(6, 3, classes)))
    out_plain = plain(minigrad.tensor(one_hot(codes, vocab), dtype="float64"))
    out_embedded = embedded(codes)
    np.testing.assert_allclose(out_embedded.detach().numpy(), out_plain.detach().numpy(),
                               rtol=1e-12)
    ((out_plain - targets) ** 2).sum().backward()
    ((out_embedded - targets) ** 2).sum().backward()
    grads = dict(embedded.named_parameters())
    table_grad = grads["embed.weight"].grad.numpy()
    np.testing.assert_allclose(table_grad[:vocab], plain.rnn.weight_ih_l0.grad.numpy().T,
                               rtol=1e-10, atol=1e-14)
    assert np.all(table_grad[vocab] == 0)  # the padding row learns nothing
    unseen = sorted(set(range(vocab)) - set(codes.ravel().tolist()))
    assert np.all(table_grad[unseen] == 0)
    for name, parameter in plain.named_parameters():
        if name != "rnn.weight_ih_l0":
            np.testing.assert_allclose(grads[name].grad.numpy(), parameter.grad.numpy(),
                                       rtol=1e-10, atol=1e-14)


# ------------------------------------------------------------------- training
def test_an_embedding_model_learns_the_copy_task():
    result = train("gru", "copy", embed=4, **{**TINY, "steps": 60})
    losses = [point["loss"] for point in result.curve]
    assert losses[-1] < losses[0] - 0.05, losses
    assert result.model.embed.weight.shape == (5, 4)  # blank, 2 symbols, delimiter, padding


def test_an_embedding_model_learns_text():
    result = train("lstm", "text", embed=8, hidden=16, batch=8, steps=30, eval_every=10,
                   task_options=dict(length=8))
    losses = [point["loss"] for point in result.curve]
    assert losses[-1] < losses[0], losses
    vocab = result.model.embed.weight.shape[0] - 1
    assert result.model.head.weight.shape[0] == vocab


def test_a_step_moves_the_embedding_rows_of_the_tokens_seen():
    before = train("rnn", "copy", embed=3, **{**TINY, "steps": 1, "eval_every": 1})
    after = train("rnn", "copy", embed=3, **{**TINY, "steps": 2, "eval_every": 1})
    assert not np.allclose(before.model.embed.weight.detach().numpy(),
                           after.model.embed.weight.detach().numpy())


def test_embed_is_recorded_in_the_plan_settings():
    plan = minigrad.training.prepare(["gru"], "copy", embed=4)
    assert plan.settings()["training"]["embed"] == 4
    assert minigrad.training.prepare(["gru"], "copy").settings()["training"]["embed"] is None


@pytest.mark.parametrize("embed, words", [(0, "embed must be"), (-2, "embed must be"),
                                          (2.5, "embed"), ("four", "embed")])
def test_a_bad_embedding_size_is_refused(embed, words):
    with pytest.raises(InvalidRunError, match=words) as caught:
        train("gru", "copy", embed=embed, **TINY)
    assert caught.value.option == "embed"


def test_an_embedding_is_refused_for_real_valued_inputs():
    with pytest.raises(InvalidRunError, match="'adding' has real-valued inputs") as caught:
        train("gru", "adding", embed=4, steps=1)
    assert caught.value.option == "embed"


# ------------------------------------------------------------------- checkpoints
def test_a_run_with_an_embedding_continues_from_its_checkpoint_bit_identically(tmp_path):
    whole = train("gru", "copy", embed=3, **TINY)
    path = tmp_path / "run.npz"
    stopped = train("gru", "copy", embed=3, checkpoint=path, checkpoint_every=10,
                    stop=stop_after(17), **TINY)
    assert stopped.interrupted and stopped.steps == 17
    continued = train("gru", "copy", embed=3, resume_from=path, **TINY)
    assert continued.curve == whole.curve
    for name, value in whole.model.state_dict().items():
        assert np.array_equal(continued.model.state_dict()[name].numpy(), value.numpy()), name
    assert "embed.weight" in minigrad.load(path)["model"]


def test_a_comparison_with_an_embedding_resumes_to_the_uninterrupted_numbers(tmp_path):
    whole = compare("rnn,gru", "copy", embed=2, **TINY)
    stopped = compare("rnn,gru", "copy", embed=2, out=tmp_path / "part", checkpoint_every=10,
                      stop=stop_after(40 + 25), **TINY)
    assert [r.cell for r in stopped.results] == ["rnn"] and stopped.interrupted
    again = resume(tmp_path / "part")
    for a, b in zip(whole.results, again.results, strict=True):
        assert (a.cell, a.steps, a.final_loss, a.curve) == (b.cell, b.steps, b.final_loss,
                                                            b.curve)
    with pytest.raises(InvalidRunError, match=r"embed 2 \(asked 3\)"):
        resume(tmp_path / "part", embed=3)


def test_a_checkpoint_with_an_embedding_is_refused_without_one(tmp_path):
    path = tmp_path / "run.npz"
    train("gru", "copy", embed=3, checkpoint=path, **{**TINY, "steps": 5})
    with pytest.raises(InvalidRunError, match=r"embed 3 \(asked none\)"):
        train("gru", "copy", resume_from=path, **TINY)
    weights = minigrad.load(path)["model"]
    started = train("gru", "copy", embed=3, initial_state=weights, **{**TINY, "steps": 1})
    assert started.steps == 1
    with pytest.raises(InvalidRunError, match="does not fit"):
        train("gru", "copy", initial_state=weights, **TINY)


# ------------------------------------------------------------------- the CLI
def test_embed_shows_in_the_json_results_and_the_run_header():
    result = invoke("compare", "--cells", "rnn,gru", *COPY, *FAST, "--embed", "3", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["config"]["embed"] == 3
    assert " embed=3 " in result.stderr
    plain = invoke("compare", "--cells", "rnn", *COPY, *FAST, "--json", "--quiet")
    assert json.loads(plain.stdout)["config"]["embed"] is None


def test_train_saves_and_continues_a_model_with_an_embedding(tmp_path):
    path = tmp_path / "run.npz"
    first = invoke("train", "--cell", "lstm", *COPY, *FAST, "--embed", "3", "--save", path,
                   "--quiet")
    assert first.exit_code == 0, first.stderr
    longer = invoke("train", "--cell", "lstm", *COPY, *FAST[:4], "--steps", "30",
                    "--eval-every", "10", "--embed", "3", "--load", path, "--json", "--quiet")
    assert longer.exit_code == 0, longer.stderr
    assert json.loads(longer.stdout)["steps"] == 30
    refused = invoke("train", "--cell", "lstm", *COPY, *FAST, "--load", path, "--quiet")
    assert_usage_error(refused, "--embed 3")


def test_the_results_folder_records_embed(tmp_path):
    out = tmp_path / "out"
    result = invoke("compare", "--cells", "gru", *COPY, *FAST, "--embed", "2", "--out", out,
                    "--quiet")
    assert result.exit_code == 0, result.stderr
    assert json.loads((out / "results.json").read_text())["settings"]["training"]["embed"] == 2


@pytest.mark.parametrize("args, words", [
    (["--embed", "0"], ["--embed", "0 is not in the range"]),
    (["--embed", "x"], ["--embed", "'x' is not a valid integer"]),
    (["--task", "adding", "--embed", "4"], ["--embed", "'adding' has real-valued inputs"]),
])
def test_bad_embed_options_exit_2_naming_the_option(args, words):
    task = [] if "--task" in args else COPY
    assert_usage_error(invoke("train", "--cell", "gru", *task, *FAST, *args), *words)


def test_embed_through_the_installed_command():
    completed = subprocess.run(
        [console_script(), "train", "--cell", "gru", *COPY, *FAST, "--embed", "3", "--json"],
        capture_output=True, text=True, env=subprocess_env(), timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["cell"] == "gru"
    assert " embed=3 " in completed.stderr
