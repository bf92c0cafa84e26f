"""The minimal gated unit (Zhou et al. 2016): one gate f does the work of the GRU's two.

    f  = σ(W_f x + U_f h + b_f)
    h~ = tanh(W_h x + U_h (f ⊙ h) + b_h)
    h' = (1 - f) ⊙ h + f ⊙ h~
"""
import minigrad
from minigrad.nn import Parameter, RecurrentCell


class MGUCell(RecurrentCell):
    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        scale = hidden_size ** -0.5
        self.W = Parameter(minigrad.randn(input_size, 2 * hidden_size) * scale)
        self.U_f = Parameter(minigrad.randn(hidden_size, hidden_size) * scale)
        self.U_h = Parameter(minigrad.randn(hidden_size, hidden_size) * scale)
        self.b = Parameter(minigrad.zeros(2 * hidden_size))

    def forward(self, x, state):
        (h,) = state
        x_f, x_h = (x @ self.W + self.b).chunk(2, dim=-1)
        f = (x_f + h @ self.U_f).sigmoid()
        h_tilde = (x_h + (f * h) @ self.U_h).tanh()
        h = (1 - f) * h + f * h_tilde
        return h, (h,)


@minigrad.hookimpl
def minigrad_register_cells(register):
    register("mgu", MGUCell, description="minimal gated unit (Zhou et al. 2016)")
