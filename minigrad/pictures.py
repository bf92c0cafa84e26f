"""What every picture minigrad draws shares: matplotlib, if it is there, and writing the
PNG atomically. matplotlib is the optional ``minigrad[plot]`` extra; without it nothing
is drawn and the caller says so in one line."""
import io

from .results import describe_os_error, write_atomically

MISSING = "matplotlib is not installed (pip install 'minigrad[plot]')"


def pyplot_or_none():
    """matplotlib's pyplot, drawing off-screen (Agg), or None when it is not installed."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    from matplotlib import pyplot
    return pyplot


def save_png(pyplot, figure, path, dpi=120):
    """Write ``figure`` to ``path`` as a PNG, all at once, and close it; returns the note
    to show: what was written, or why it could not be."""
    picture = io.BytesIO()
    figure.savefig(picture, format="png", dpi=dpi)
    pyplot.close(figure)
    try:
        write_atomically(path, picture.getvalue())
    except OSError as error:
        return f"{path} not drawn: could not write it: {describe_os_error(error)}"
    return f"wrote {path}"
