"""Apple's Metal (MPS) backend, which minigrad does not have."""


def is_available():
    """False: minigrad runs on the CPU and on CUDA GPUs only."""
    return False


def is_built():
    """False: minigrad was not built with MPS."""
    return False
