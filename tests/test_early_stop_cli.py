"""``--early-stop/--no-early-stop`` on ``minigrad train`` and ``minigrad compare``.

The task is one symbol copied over one step with 16 hidden units: a GRU solves it by
the second evaluation (step 20), far before the 120 steps asked for, so the two flags
give runs of different lengths.
"""
import json

import pytest

from commands import invoke

QUICK = ["--task", "copy", "--length", "1", "--delay", "1", "--symbols", "2",
         "--hidden", "16", "--batch", "16", "--steps", "120", "--eval-every", "10",
         "--json", "--quiet"]


def _train(*flags):
    result = invoke("train", "--cell", "gru", *QUICK, *flags)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _compare(*flags):
    result = invoke("compare", "--cells", "gru", *QUICK, *flags)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    return data["config"], data["results"][0]


@pytest.mark.parametrize("flags", [(), ("--early-stop",)])
def test_train_stops_at_the_evaluation_that_solved_it_by_default(flags):
    run = _train(*flags)
    assert run["solved"] and run["steps"] == run["steps_to_solve"] < 120


def test_train_no_early_stop_goes_all_its_steps():
    run = _train("--no-early-stop")
    assert run["steps"] == 120
    assert run["solved"] and run["steps_to_solve"] < 120  # solved long before the end


def test_compare_no_early_stop_goes_all_its_steps_and_records_it():
    config, run = _compare("--no-early-stop")
    assert config["early_stop"] is False
    assert run["steps"] == 120 and run["steps_to_solve"] < 120
    config, run = _compare()
    assert config["early_stop"] is True
    assert run["steps"] == run["steps_to_solve"] < 120


def test_the_flag_is_in_both_commands_help():
    for command in ("train", "compare"):
        text = invoke(command, "--help").stdout
        assert "--early-stop / --no-early-stop" in text
        assert "solved" in text.split("--early-stop / --no-early-stop")[1][:400]


def test_early_stop_takes_no_value():
    result = invoke("train", "--cell", "gru", *QUICK, "--no-early-stop=yes")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
