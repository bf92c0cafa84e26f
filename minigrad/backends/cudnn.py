"""cuDNN, NVIDIA's library of fused network kernels, which minigrad does not use.

PyTorch programs often set ``torch.backends.cudnn.deterministic = True`` and
``benchmark = False`` for reproducible runs. minigrad keeps the settings, so such code
runs, but nothing in minigrad reads them.
"""
enabled = True
deterministic = False
benchmark = False


def is_available():
    """False: minigrad's GPU path is CuPy's, not cuDNN's."""
    return False
