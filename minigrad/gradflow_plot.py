"""The picture of a gradient flow: ‖∂L/∂h_t‖ against t on a log scale, one line per
series, so an exponential decay reads as a straight line. Needs matplotlib (the
``minigrad[plot]`` extra); without it nothing is drawn and a note says so."""
import io

from .results import describe_os_error, write_atomically

MISSING = ("not drawn: matplotlib is not installed (pip install 'minigrad[plot]'); "
           "the numbers are all in the table and in --json")


def plot(flow, path):
    """Draw ``flow`` (a ``GradientFlow``) as a PNG at ``path``; returns a one-line note:
    what was written, or why nothing was."""
    try:
        import matplotlib
    except ImportError:
        return f"{path} {MISSING}"
    matplotlib.use("Agg")
    from matplotlib import pyplot
    settings = flow.settings
    figure, axes = pyplot.subplots(figsize=(7, 4.5))
    for series in flow.series:
        steps = [t for t, norm in enumerate(series.norms) if norm > 0]  # log scale: no 0
        axes.plot(steps, [series.norms[t] for t in steps], label=series.label,
                  linestyle="--" if series.loss == "task" else "-")
    axes.set_yscale("log")
    axes.set_xlabel("t (the loss is taken at the last step, T - 1)")
    axes.set_ylabel("‖∂L/∂h_t‖ (mean over the batch)")
    where = f"task {settings['task']}" if settings["task"] else "N(0, 1) inputs"
    axes.set_title(f"gradient flow: {where}, T = {settings['length']}, "
                   f"H = {settings['hidden']}")
    axes.legend()
    figure.tight_layout()
    picture = io.BytesIO()
    figure.savefig(picture, format="png", dpi=120)
    pyplot.close(figure)
    try:
        write_atomically(path, picture.getvalue())
    except OSError as error:
        return f"{path} not drawn: could not write it: {describe_os_error(error)}"
    return f"wrote {path}"
