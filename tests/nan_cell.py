"""A third-party-style cell for tests of runs that blow up: its output turns NaN after
``GOOD_CALLS`` time steps (the tests' 4-step copy task: training steps 1 and 2 are fine)."""
import minigrad
from minigrad.nn import Parameter, RecurrentCell
from minigrad.nn import functional as F


class NaNAfterCell(RecurrentCell):
    GOOD_CALLS = 2 * 4

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.weight_ih = Parameter(minigrad.randn(hidden_size, input_size) * 0.1)
        self.weight_hh = Parameter(minigrad.randn(hidden_size, hidden_size) * 0.1)
        self.calls = 0

    def forward(self, x, state):
        (h,) = state
        self.calls += 1
        h = (F.linear(x, self.weight_ih) + F.linear(h, self.weight_hh)).tanh()
        if self.calls > self.GOOD_CALLS:
            h = h * float("nan")
        return h, (h,)
