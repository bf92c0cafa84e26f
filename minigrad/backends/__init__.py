"""``torch.backends``: what code written for PyTorch asks about the backends.

minigrad computes with NumPy on the CPU and CuPy on CUDA GPUs (``minigrad.backend``);
the questions PyTorch programs ask here, about Apple's MPS and NVIDIA's cuDNN, have
fixed answers, so that such programs run unchanged.
"""
from . import cudnn, mps  # noqa: F401
