"""The adding problem: add the two marked numbers of a long sequence (Le, Jaitly &
Hinton 2015, in the form Arjovsky, Shah & Bengio 2016 use)."""
import numpy

from minigrad import tensor
from minigrad.nn import functional as F
from minigrad.task import Batch, Option, Task

from .common import check_batch_size, check_outputs, generator, to_numpy


class AddingTask(Task):
    """Read a sequence of numbers, two of them marked; at the end, output their sum.

    **Definition.** Each step carries two inputs: a value drawn uniformly from [0, 1)
    and a marker. The marker is 1 at exactly two steps, one drawn uniformly from the
    first half of the sequence and one from the second half, and 0 elsewhere. The target
    is the sum of the two marked values, read from the model's single output at the last
    step; the loss and the metric are the mean squared error there. With length 8::

        step     0    1    2    3    4    5    6    7
        value  0.31 0.77 0.05 0.62 0.49 0.13 0.90 0.28
        marker   0    1    0    0    0    0    1    0
        target                                      0.77 + 0.90 = 1.67 (at step 7)

    **Baseline:** 1/6 ≈ 0.167. With no memory of the values, the best guess is the
    expected sum, 1; its squared error averages the variance of a sum of two independent
    uniform [0, 1) values, 2 × 1/12 = 1/6. (A model that looks at the last step alone
    gains a little when the second marker falls there, with probability 1 / ceil(length / 2):
    e.g. 1/6 - 1/300 for length 50.)

    **Solved:** mean squared error below 0.01 on fresh sequences (6% of the baseline).

    **Source:** Q. V. Le, N. Jaitly and G. E. Hinton (2015), "A Simple Way to Initialize
    Recurrent Networks of Rectified Linear Units", arXiv:1504.00941; also M. Arjovsky,
    A. Shah and Y. Bengio (2016), "Unitary Evolution Recurrent Neural Networks", ICML. The
    problem first appears in S. Hochreiter and J. Schmidhuber (1997), "Long Short-Term
    Memory", Neural Computation 9(8), experiment 4, in a different form.
    """

    name = "adding"
    description = "output the sum of the two marked numbers of a sequence (MSE)"
    source = "Le, Jaitly & Hinton 2015; Arjovsky, Shah & Bengio 2016"
    options = (
        Option("length", 50, help="sequence length (one marker in each half)", min=2),
    )
    metric_name = "mse"
    higher_is_better = False
    solved_below = 0.01

    def __init__(self, **values):
        super().__init__(**values)
        self.input_size = 2   # the value, the marker
        self.output_size = 1  # the sum, read at the last step
        self.seq_len = self.length

    def batch(self, batch_size, rng):
        batch_size, rng = check_batch_size(batch_size), generator(rng)
        L, half = self.length, self.length // 2
        values = rng.random((L, batch_size))
        first = rng.integers(0, half, size=batch_size)     # a step in [0, half)
        second = rng.integers(half, L, size=batch_size)    # a step in [half, L)
        columns = numpy.arange(batch_size)
        markers = numpy.zeros((L, batch_size))
        markers[first, columns] = 1.0
        markers[second, columns] = 1.0

        inputs = numpy.stack([values, markers], axis=-1).astype(numpy.float32)
        targets = (values[first, columns] + values[second, columns]).astype(numpy.float32)
        mask = numpy.zeros((L, batch_size), dtype=bool)
        mask[-1] = True  # the one scored step
        return Batch(inputs, targets, mask)

    def loss(self, outputs, batch):
        check_outputs(self, outputs, batch)
        prediction = outputs[-1, :, 0]  # the output at the last step
        target = tensor(batch.targets, dtype=outputs.dtype, device=outputs.device)
        return F.mse_loss(prediction, target)

    def metric(self, outputs, batch):
        check_outputs(self, outputs, batch)
        error = to_numpy(outputs)[-1, :, 0] - batch.targets
        return float(numpy.mean(error.astype(numpy.float64) ** 2))

    def baseline(self):
        return 1.0 / 6.0

    def solved(self, loss, score):
        return score < self.solved_below
