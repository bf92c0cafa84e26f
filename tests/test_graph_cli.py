"""`minigrad graph`: DOT on stdout or in a file, SVG/PNG through Graphviz's dot when it
is on PATH (a fake one here), and the .dot with a note when it is not."""
import os
import stat
import subprocess

from commands import console_script, invoke, subprocess_env

FAKE_DOT = """#!/bin/sh
# a stand-in for Graphviz's dot: records its arguments and copies stdin to -o FILE
echo "$@" > "$(dirname "$0")/args.txt"
while [ $# -gt 0 ]; do
  if [ "$1" = "-o" ]; then out="$2"; fi
  shift
done
cat > "$out"
"""


def test_dot_on_stdout():
    result = invoke("graph", "--cell", "lstm", "--steps", "2")
    assert result.exit_code == 0
    assert result.stdout.startswith("digraph minigrad {")
    assert "weight_hh_l0" in result.stdout and "sigmoid" in result.stdout


def test_a_dot_file(tmp_path):
    target = tmp_path / "g.dot"
    result = invoke("graph", "--cell", "gru", "--fused", "-o", target)
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert "gru_sequence" in text and text.count("shape=box") == 1


def test_without_graphviz_the_dot_is_written_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = invoke("graph", "--cell", "rnn", "-o", tmp_path / "g.svg")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "g.svg").exists()
    assert (tmp_path / "g.dot").read_text().startswith("digraph minigrad {")
    assert "not on PATH" in result.stderr
    assert f"dot -Tsvg {tmp_path / 'g.dot'} -o {tmp_path / 'g.svg'}" in result.stderr


def test_with_graphviz_dot_draws_the_file(tmp_path, monkeypatch):
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "dot"
    fake.write_text(FAKE_DOT)
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}/bin{os.pathsep}/usr/bin")
    result = invoke("graph", "--cell", "lstm", "-o", tmp_path / "g.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "g.png").read_text().startswith("digraph minigrad {")
    assert (tools / "args.txt").read_text().split()[0] == "-Tpng"
    assert not (tmp_path / "g.dot").exists()


def test_a_failing_dot_is_reported(tmp_path, monkeypatch):
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "dot"
    fake.write_text("#!/bin/sh\necho 'Error: syntax error in line 3' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}/bin{os.pathsep}/usr/bin")
    result = invoke("graph", "--cell", "lstm", "-o", tmp_path / "g.svg")
    assert result.exit_code == 1
    assert "dot could not draw" in result.stderr and "syntax error in line 3" in result.stderr


def test_bad_usage_exits_2_with_one_line(tmp_path):
    for args, said in ((["--cell", "nope"], "unknown cell 'nope'"),
                       (["--cell", "lstm", "-o", tmp_path / "g.txt"], ".dot, .svg or .png"),
                       (["--cell", "lstm", "-o", tmp_path / "no" / "g.dot"], "does not exist"),
                       (["--cell", "lstm", "--steps", "0"], "--steps")):
        result = invoke("graph", *args)
        assert result.exit_code == 2, args
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and said in errors[0], result.stderr
        assert "Traceback" not in result.stderr


def test_the_console_script():
    done = subprocess.run([console_script(), "graph", "--cell", "gru", "--steps", "2"],
                          capture_output=True, text=True, env=subprocess_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("digraph minigrad {") and "weight_ih_l0" in done.stdout
