"""The simple layers: Linear, Embedding, Dropout, Identity, Sequential, ModuleList."""
import math

from .. import checks, creation, dtypes
from ..grad_mode import no_grad
from . import functional as F
from . import init
from .module import Module, Parameter


def _empty(*shape, dtype=None, device=None):
    return Parameter(creation.zeros(*shape, dtype=dtypes.resolve(dtype) or dtypes.default_float,
                                    device=device))


def _check_sizes(**sizes):
    """The sizes as ints (NumPy integers welcome), or a ValueError naming the wrong one."""
    return [checks.size(value, name) for name, value in sizes.items()]


class Linear(Module):
    """y = x Wᵀ + b, with ``weight`` (out_features, in_features) and ``bias`` (out_features),
    both U(-1/√in, 1/√in) as in PyTorch."""

    def __init__(self, in_features, out_features, bias=True, dtype=None, device=None):
        super().__init__()
        in_features, out_features = _check_sizes(in_features=in_features,
                                                 out_features=out_features)
        self.in_features, self.out_features = in_features, out_features
        self.weight = _empty(out_features, in_features, dtype=dtype, device=device)
        self.bias = _empty(out_features, dtype=dtype, device=device) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Embedding(Module):
    """A lookup table: row i of ``weight`` (num_embeddings, embedding_dim) is the vector of
    index i. Initialised N(0, 1) as in PyTorch.

    The row ``padding_idx`` (if given; negative counts from the end) starts at zero and
    gets no gradient, so it stays the vector of "no token" while the rest is trained.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, dtype=None,
                 device=None):
        super().__init__()
        num_embeddings, embedding_dim = _check_sizes(num_embeddings=num_embeddings,
                                                     embedding_dim=embedding_dim)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = None if padding_idx is None else \
            F._padding_row(padding_idx, num_embeddings)
        self.weight = _empty(num_embeddings, embedding_dim, dtype=dtype, device=device)
        self.reset_parameters()

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None):
        """An Embedding whose weight is a copy of the 2-D ``embeddings`` (kept fixed, with no
        gradient, when ``freeze``); the padding row keeps its given values."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained takes a 2-D tensor (num_embeddings, "
                             f"embedding_dim), got shape {embeddings.shape}")
        layer = cls(*embeddings.shape, padding_idx=padding_idx, dtype=embeddings.dtype,
                    device=embeddings.device)
        with no_grad():
            layer.weight.copy_(embeddings)
        layer.weight.requires_grad_(not freeze)
        return layer

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0

    def forward(self, indices):
        return F.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text if self.padding_idx is None else text + f", padding_idx={self.padding_idx}"


class Dropout(Module):
    """Zeroes each element with probability ``p`` while training (scaling the rest by
    1/(1-p)); does nothing in eval mode."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = checks.probability(p, "dropout probability")

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class Identity(Module):
    """Returns its input."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class ModuleList(Module):
    """A list of modules, registered under "0", "1", ... so their parameters are found."""

    def __init__(self, modules=()):
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module):
        setattr(self, str(len(self._modules)), module)
        return self

    def __getitem__(self, index):
        items = list(self._modules.values())
        return ModuleList(items[index]) if isinstance(index, slice) else items[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class Sequential(ModuleList):
    """Modules applied one after another: ``Sequential(a, b)(x) == b(a(x))``."""

    def __init__(self, *modules):
        super().__init__(modules)

    def __getitem__(self, index):
        item = super().__getitem__(index)
        return Sequential(*item) if isinstance(index, slice) else item

    def forward(self, x):
        for module in self:
            x = module(x)
        return x
