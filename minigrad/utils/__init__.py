"""Utilities with ``torch.utils``' names; for now ``data``: datasets and the DataLoader."""
from . import data  # noqa: F401
