"""Token ids in front of a recurrent layer: a learned embedding, shared by the models the
trainer builds (``SequenceModel``, ``SequenceClassifier``, ``OneToMany``).

``token_embedding(V, D)`` is an ``Embedding(V + 1, D)``: id v reads the learned row E[v],
and id -1 (a padding step, all zeros when one-hot) reads the last row, which stays zero
and gets no gradient.
"""
import numpy

from .. import backend
from .layers import Embedding


def token_embedding(vocabulary, embed, dtype=None, device=None):
    """The embedding of ``vocabulary`` tokens into ``embed`` values, or None (one-hot
    inputs) when ``embed`` is None."""
    if embed is None:
        return None
    return Embedding(vocabulary + 1, embed, padding_idx=vocabulary, dtype=dtype, device=device)


def embed_tokens(embedding, ids):
    """E[ids]: int token ids (any shape; a Tensor or an array) -> their vectors, -1 read as
    the padding row."""
    ids = backend.to_numpy(getattr(ids, "array", ids))
    if ids.dtype.kind not in "iu":
        raise TypeError(f"a model with an embedding reads integer token ids (seq, batch), "
                        f"got {ids.dtype} values")
    return embedding(numpy.where(ids == -1, embedding.padding_idx, ids))
