"""Next-symbol prediction on the embedded Reber grammar (Hochreiter & Schmidhuber 1997,
experiment 1)."""
import math

import numpy

from minigrad.nn import functional as F
from minigrad.task import Batch, Task

from .common import check_batch_size, check_outputs, generator, one_hot, to_numpy

#: The seven symbols, in the order of the input and output units.
SYMBOLS = "BTPSXVE"

#: The Reber grammar (Reber 1967) as a finite automaton: state -> its arrows, each a
#: (symbol, next state). A string walks from state 0, taking one of the arrows of its
#: state with equal probability, until the arrow that leaves with E (next state None).
#: States 2 and 3 loop on S and T; the arrows X (4 -> 3) and P (5 -> 4) make a cycle.
REBER = {
    0: (("B", 1),),
    1: (("T", 2), ("P", 3)),
    2: (("S", 2), ("X", 4)),
    3: (("T", 3), ("V", 5)),
    4: (("X", 3), ("S", 6)),
    5: (("P", 4), ("V", 6)),
    6: (("E", None),),
}


def embedded_reber_automaton():
    """The embedded grammar as one automaton: state -> ((symbol, next state), ...).

    B, then T or P, then a Reber string, then the same T or P again, then E. The inner
    string is walked in one of two copies of ``REBER``, ``("T", state)`` or
    ``("P", state)``, so the automaton remembers the branch until it must repeat it.
    The state ``"end"`` has no arrows: nothing follows the final E.
    """
    graph = {"start": (("B", "fork"),),
             "fork": (("T", ("T", 0)), ("P", ("P", 0)))}
    for branch in "TP":
        for state, arrows in REBER.items():
            graph[(branch, state)] = tuple(
                (symbol, (branch, "closing") if after is None else (branch, after))
                for symbol, after in arrows)
        graph[(branch, "closing")] = ((branch, "last"),)
    graph["last"] = (("E", "end"),)
    graph["end"] = ()
    return graph


def legal_next(arrows):
    """The symbols that may follow, as a multi-hot float32 vector over ``SYMBOLS``."""
    legal = numpy.zeros(len(SYMBOLS), dtype=numpy.float32)
    for symbol, _ in arrows:
        legal[SYMBOLS.index(symbol)] = 1.0
    return legal


def binary_entropy(p):
    """-p ln p - (1 - p) ln(1 - p), with 0 ln 0 = 0."""
    return -sum(q * math.log(q) for q in (p, 1.0 - p) if q > 0)


class EmbeddedReberTask(Task):
    """Predict, at every step of an embedded Reber string, which symbols may come next.

    **Definition.** A string of the embedded Reber grammar is B, then T or P (with equal
    probability), then a string of the Reber grammar (see ``REBER``: a random walk
    through a small automaton over B, T, P, S, X, V, E), then the same T or P again,
    then E. The model reads it one symbol per step (one-hot over B T P S X V E) and at
    each step outputs one logit per symbol; the target is the set of symbols the
    grammar allows next (multi-hot), for every step but the last. One string, with the
    legal next symbols under each step::

        step     0   1   2   3   4   5   6   7   8
        input    B   P   B   T   X   S   E   P   E
        legal    TP  B   TP  SX  SX  E   P   E   -

    Almost every prediction needs only the last few symbols; the one after the inner E
    needs the T or P seen at step 1, a lag of the whole inner string (at least 5 steps,
    8 on average). Strings vary in length (9 at least, 12 on average, unbounded): a
    batch is padded with zero inputs to its longest string, ``Batch.mask`` marks the
    scored steps, and ``seq_len`` is the mean length.

    The loss is the logistic (binary cross-entropy) loss of each logit against its 0/1
    target, averaged over the scored steps and the seven units. The metric is the
    fraction of strings predicted right everywhere: at every scored step, the symbols
    whose sigmoid exceeds 0.5 are exactly the legal ones.

    **Baseline:** the loss of the best predictor that sees only the current symbol,
    Σ_a N(a) Σ_j H(p_j(a)) / (7 Σ_a N(a)) ≈ 0.3145 (``baseline()`` computes it). N(a)
    is the expected number of scored steps per string whose symbol is a, p_j(a) the
    probability that symbol j may come next at such a step, and H the binary entropy:
    a predictor that outputs p_j(a) has, per unit, an expected loss of H(p_j(a)), the
    least possible. N(a) and p_j(a) are computed exactly from the automaton: the
    expected number of visits v of each state solves v = e_start + Pᵀ v (P the
    transition probabilities), and each arrow is taken v(state) / (its state's arrows)
    times on average.

    **Solved:** every string of a fresh evaluation predicted right (metric 1.0), the
    long-lag prediction after the inner E included, as Hochreiter & Schmidhuber
    required of their test set.

    **Source:** S. Hochreiter and J. Schmidhuber (1997), "Long Short-Term Memory",
    Neural Computation 9(8), experiment 1. The grammar is A. S. Reber's (1967),
    "Implicit learning of artificial grammars"; its embedded form is from A.
    Cleeremans, D. Servan-Schreiber and J. L. McClelland (1989), "Finite state automata
    and simple recurrent networks".
    """

    name = "embedded-reber"
    input_tokens = True  # one-hot symbols: --embed D can stand in for them
    description = "predict the legal next symbols of embedded Reber strings"
    source = "Hochreiter & Schmidhuber 1997, Long Short-Term Memory, experiment 1"
    options = ()
    metric_name = "string_accuracy"
    higher_is_better = True

    def __init__(self, **values):
        super().__init__(**values)
        self.graph = embedded_reber_automaton()
        self.input_size = self.output_size = len(SYMBOLS)
        self._visits = self._expected_visits()
        self.mean_length = sum(v for state, v in self._visits.items() if self.graph[state])
        self.seq_len = math.ceil(self.mean_length)

    # -- the data ----------------------------------------------------------------

    def sample_string(self, rng):
        """One string of the grammar: its symbols and, after each, the legal next set."""
        symbols, legal, state = [], [], "start"
        while self.graph[state]:
            arrows = self.graph[state]
            symbol, state = arrows[rng.integers(len(arrows))] if len(arrows) > 1 else arrows[0]
            symbols.append(SYMBOLS.index(symbol))
            legal.append(legal_next(self.graph[state]))
        return symbols, legal

    def batch(self, batch_size, rng):
        batch_size, rng = check_batch_size(batch_size), generator(rng)
        strings = [self.sample_string(rng) for _ in range(batch_size)]
        steps = max(len(symbols) for symbols, _ in strings)

        codes = numpy.full((steps, batch_size), -1, dtype=numpy.int64)  # -1: padding
        targets = numpy.zeros((steps, batch_size, len(SYMBOLS)), dtype=numpy.float32)
        mask = numpy.zeros((steps, batch_size), dtype=bool)
        for column, (symbols, legal) in enumerate(strings):
            n = len(symbols)
            codes[:n, column] = symbols
            targets[:n, column] = legal
            mask[:n - 1, column] = True  # nothing follows the last E
        return Batch(one_hot(codes, self.input_size), targets, mask)

    # -- scoring -----------------------------------------------------------------

    def loss(self, outputs, batch):
        check_outputs(self, outputs, batch)
        per_unit = F.binary_cross_entropy_with_logits(outputs, batch.targets, reduction="none")
        scored = outputs.xp.asarray(batch.mask[..., None], dtype=outputs.dtype)
        return (per_unit * scored).sum() / (int(batch.mask.sum()) * self.output_size)

    def metric(self, outputs, batch):
        check_outputs(self, outputs, batch)
        predicted = to_numpy(outputs) > 0             # sigmoid(logit) > 0.5
        right = (predicted == (batch.targets > 0.5)).all(axis=-1) | ~batch.mask
        return float(right.all(axis=0).mean())        # strings right at every step

    def solved(self, loss, score):
        return score >= 1.0

    # -- the baseline, by enumerating the automaton ------------------------------

    def _expected_visits(self):
        """Expected visits of each state per string: v = e_start + Pᵀ v."""
        states = list(self.graph)
        index = {state: i for i, state in enumerate(states)}
        P = numpy.zeros((len(states), len(states)))
        for state, arrows in self.graph.items():
            for _, after in arrows:
                P[index[state], index[after]] += 1.0 / len(arrows)
        start = numpy.zeros(len(states))
        start[index["start"]] = 1.0
        visits = numpy.linalg.solve(numpy.eye(len(states)) - P.T, start)
        return dict(zip(states, visits))

    def memoryless_predictions(self):
        """For each current symbol a: (N(a), p(a)), the expected number of scored steps
        per string that show a, and the probability of each symbol being legal next."""
        counts = {}
        for state, arrows in self.graph.items():
            for symbol, after in arrows:
                if not self.graph[after]:
                    continue  # the final E: not scored
                taken = self._visits[state] / len(arrows)
                n, legal_sum = counts.get(symbol, (0.0, 0.0))
                counts[symbol] = (n + taken, legal_sum + taken * legal_next(self.graph[after]))
        return {symbol: (n, legal_sum / n) for symbol, (n, legal_sum) in counts.items()}

    def baseline(self):
        predictions = self.memoryless_predictions()
        total = sum(n for n, _ in predictions.values())
        loss = sum(n * sum(binary_entropy(p) for p in probs)
                   for n, probs in predictions.values())
        return loss / (total * len(SYMBOLS))
