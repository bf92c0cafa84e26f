"""``torch.nn.utils``: gradient clipping, and (``rnn``) batches of sequences of different
lengths."""
from . import rnn  # noqa: F401
from .clip_grad import clip_grad_norm_, clip_grad_value_, grad_norm  # noqa: F401
