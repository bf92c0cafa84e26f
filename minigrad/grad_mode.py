"""Switching gradient recording on and off (``minigrad.no_grad()``)."""
import contextlib

enabled = True


def is_grad_enabled():
    """True while ops record the graph that ``backward()`` walks."""
    return enabled


class _GradMode(contextlib.ContextDecorator):
    """Set gradient recording for a block or a function, then restore what it was."""

    def __init__(self, mode):
        self.mode = mode
        self.saved = []

    def __enter__(self):
        global enabled
        self.saved.append(enabled)
        enabled = self.mode
        return self

    def __exit__(self, *exc):
        global enabled
        enabled = self.saved.pop()
        return False


def no_grad():
    """Context manager and decorator: ops inside record no graph (evaluation, updates).

    >>> with minigrad.no_grad():
    ...     y = model(x)          # y.requires_grad is False
    """
    return _GradMode(False)


def enable_grad():
    """Context manager and decorator that turns recording back on inside ``no_grad``."""
    return _GradMode(True)
