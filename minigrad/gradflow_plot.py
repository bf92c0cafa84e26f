"""The picture of a gradient flow: ‖∂L/∂h_t‖ against t on a log scale, one line per
series, so an exponential decay reads as a straight line. Needs matplotlib (the
``minigrad[plot]`` extra); without it nothing is drawn and a note says so."""
from .pictures import MISSING, pyplot_or_none, save_png


def plot(flow, path):
    """Draw ``flow`` (a ``GradientFlow``) as a PNG at ``path``; returns a one-line note:
    what was written, or why nothing was."""
    pyplot = pyplot_or_none()
    if pyplot is None:
        return f"{path} not drawn: {MISSING}; the numbers are all in the table and in --json"
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
    return save_png(pyplot, figure, path)
