"""Neural-network building blocks with ``torch.nn``'s names: modules, layers, losses, init."""
from . import functional, init, utils  # noqa: F401
from .activation import (ELU, GELU, Hardtanh, LeakyReLU, LogSoftmax, ReLU, SiLU,  # noqa: F401
                         Sigmoid, Softmax, Softplus, Tanh)
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss  # noqa: F401
from .layers import Dropout, Embedding, Identity, Linear, ModuleList, Sequential  # noqa: F401
from .module import Module, Parameter  # noqa: F401
from .cell import RecurrentCell  # noqa: F401
from .bidirectional import Bidirectional, BidirectionalCell  # noqa: F401
from .init_schemes import InitContext  # noqa: F401
from .recurrent import Recurrent  # noqa: F401
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell  # noqa: F401
from .sequence_model import SequenceModel  # noqa: F401
from .seq2seq import Seq2Seq  # noqa: F401
from .sequence_classifier import SequenceClassifier  # noqa: F401
from .one_to_many import OneToMany  # noqa: F401
from . import fused  # noqa: F401
from . import sequence_ops  # noqa: F401
from .sequence_ops import per_step_graph  # noqa: F401
from .recording import inspect_cells  # noqa: F401
