"""Losses as modules, with ``torch.nn``'s names and arguments: each keeps its settings
and calls its function in ``minigrad.nn.functional``, where the equations are.

    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    loss = criterion(logits, targets)

As in ``minigrad.nn.functional``, PyTorch's deprecated ``size_average`` and ``reduce``
are not taken, and the arguments after ``weight`` are keyword-only. A bad ``reduction``
or ``label_smoothing`` is refused when the module is built, not at its first call. The
weights are kept as plain attributes (``weight``, ``pos_weight``); PyTorch keeps them as
buffers, which are in its ``state_dict()``.
"""
from . import functional as F
from .functional import _check_label_smoothing, _check_reduction
from .module import Module


class _Loss(Module):
    """What every loss module has: a ``reduction``, checked."""

    def __init__(self, reduction="mean"):
        super().__init__()
        _check_reduction(reduction)
        self.reduction = reduction


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits against class indices or class probabilities:
    ``F.cross_entropy``, with class weights, ``ignore_index`` and label smoothing."""

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean",
                 label_smoothing=0.0):
        super().__init__(reduction)
        _check_label_smoothing(label_smoothing)
        self.weight, self.ignore_index = weight, ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):  # noqa: A002 - PyTorch's name
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of class indices, given log-probabilities: ``F.nll_loss``."""

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input, target):  # noqa: A002
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MSELoss(_Loss):
    """Squared error (x - y)², averaged or summed: ``F.mse_loss``."""

    def __init__(self, *, reduction="mean"):
        super().__init__(reduction)

    def forward(self, input, target):  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Logistic loss of logits against targets in [0, 1], with element weights and a
    weight of the positive term (``pos_weight``): ``F.binary_cross_entropy_with_logits``."""

    def __init__(self, weight=None, *, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input, target):  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)
