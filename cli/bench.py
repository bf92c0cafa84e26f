"""``minigrad bench``: how fast one training step is, beside PyTorch and hand-fused NumPy.

    minigrad bench                                    # rnn, gru, lstm at H = 32..512
    minigrad bench --cells lstm --hidden 256 --vs torch --vs numpy --plain
    minigrad bench --threads 1,2 --json

The measuring is ``minigrad.bench.run``; this file parses, prints the table (or one JSON
object) on stdout and the progress on stderr. Bad usage exits 2 with one line.
"""
import click

from minigrad.results import standard_json


def _numbers(values, option):
    """``("32,128", "256")`` -> ``[32, 128, 256]``; anything but whole numbers >= 1 is
    refused, saying what was given and what is allowed."""
    numbers = []
    for value in values:
        for part in value.split(","):
            text = part.strip()
            if not text.isdigit() or int(text) < 1:
                raise click.UsageError(f"{option} {value!r}: {text!r} is not a whole number "
                                       f">= 1 (give a comma-separated list such as 32,128)")
            numbers.append(int(text))
    return numbers


def _cell_names(values):
    from .main import _split_names
    return _split_names(values) if values else None


def _figure(value, unit="", digits=1):
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def table(result):
    """The result as text: a header line with the machine's facts, then one row per cell ×
    hidden × threads."""
    facts, settings = result["machine"], result["settings"]
    head = (f"# {facts['cpus']} CPUs ({facts['cpus_usable']} usable), NumPy {facts['numpy']}, "
            f"{facts['blas']}, Python {facts['python']}")
    if "torch" in facts:
        head += f", PyTorch {facts['torch']}"
    head += (f"; device {facts['device']}, fused op {'in' if facts['fused_op'] else 'not in'} "
             f"this minigrad")
    lines = [head, f"# B={settings['batch']} T={settings['length']} "
             f"layers={settings['layers']}, median ms of {settings['repeat']} training steps "
             f"(forward, backward, SGD), float32; ratios are minigrad ÷ the other"]
    columns = [("cell", 14, lambda r: r["cell"]), ("H", 5, lambda r: str(r["hidden"])),
               ("thr", 3, lambda r: str(r["threads"])),
               ("minigrad ms", 11, lambda r: _figure(r["minigrad_ms"]))]
    if settings["plain"]:
        columns += [("plain ms", 9, lambda r: _figure(r["plain_ms"])),
                    ("speedup", 7, lambda r: _figure(r["speedup"], "x", 2))]
    for name in settings["vs"]:
        columns += [(f"{name} ms", 9, lambda r, n=name: _figure(r[f"{n}_ms"])),
                    (f"÷{name}", 7, lambda r, n=name: _figure(r[f"vs_{n}"], "x", 2))]
    columns += [("peak MiB", 8, lambda r: _figure(r["peak_mib"])),
                ("held MiB", 8, lambda r: _figure(r["held_mib"])),
                ("must keep", 9, lambda r: _figure(r["must_keep_mib"]))]
    lines.append("  ".join(f"{title:>{width}}" if i else f"{title:<{width}}"
                           for i, (title, width, _) in enumerate(columns)))
    for row in result["rows"]:
        lines.append("  ".join(f"{get(row):>{width}}" if i else f"{get(row):<{width}}"
                               for i, (_, width, get) in enumerate(columns)))
    return "\n".join(lines)


@click.command()
@click.option("--cells", "cells", multiple=True,
              help="Cells, by comma or repeated (default rnn,gru,lstm; see `minigrad cells`).")
@click.option("--hidden", multiple=True, default=("32,128,256,512",), show_default=True,
              help="Hidden sizes, by comma or repeated.")
@click.option("--batch", type=click.IntRange(min=1), default=32, show_default=True)
@click.option("--length", type=click.IntRange(min=1), default=100, show_default=True,
              help="Time steps T.")
@click.option("--layers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--threads", "thread_counts", multiple=True, default=("1,2",), show_default=True,
              help="BLAS (and PyTorch) thread counts to measure, e.g. 1,2.")
@click.option("--device", default="cpu", show_default=True, help="cpu or cuda[:N].")
@click.option("--vs", multiple=True, type=click.Choice(["torch", "numpy"]),
              help="Also time PyTorch (torch) or the hand-fused NumPy step (numpy); "
              "repeatable.")
@click.option("--plain", is_flag=True,
              help="Also time the plain per-step path (layer.fused = False).")
@click.option("--repeat", type=click.IntRange(min=1), default=11, show_default=True,
              help="Timed steps per figure (after 2 warm-up steps).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def bench(cells, hidden, batch, length, layers, thread_counts, device, vs, plain, repeat,
          as_json):
    """Time one training step of each cell (median ms) and its peak memory."""
    import minigrad.bench
    from .main import bad_usage
    with bad_usage():  # everything is checked before the first step is timed
        plan = minigrad.bench.prepare(
            cells=_cell_names(cells) or minigrad.bench.DEFAULT_CELLS,
            hidden=_numbers(hidden, "--hidden"), batch=batch, length=length, layers=layers,
            threads=_numbers(thread_counts, "--threads"), device=device,
            vs=list(dict.fromkeys(vs)), plain=plain, repeat=repeat)
    result = plan.run(progress=lambda text: click.echo(f"bench: {text}", err=True))
    click.echo(standard_json(result) if as_json else table(result))
