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


def no_grad(function=None):
    """Context manager and decorator (``@no_grad`` or ``@no_grad()``): ops inside record
    no graph (evaluation, parameter updates).

    >>> with minigrad.no_grad():
    ...     y = model(x)          # y.requires_grad is False
    """
    mode = _GradMode(False)
    return mode if function is None else mode(function)


def enable_grad(function=None):
    """Context manager and decorator that turns recording back on inside ``no_grad``."""
    mode = _GradMode(True)
    return mode if function is None else mode(function)
