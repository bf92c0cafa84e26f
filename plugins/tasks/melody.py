"""The melody task: one to many. One seed symbol in, the whole melody it names out, each
note written after reading the note before."""
import numpy

from minigrad.task import Batch, Option, Task

from .common import (bigram_nats, check_batch_size, check_shape_of, exact_match, generator,
                     masked_cross_entropy, one_hot)


class MelodyTask(Task):
    """Play the melody a seed names.

    **Definition.** The task holds ``melodies`` fixed melodies of ``length`` notes over
    an octave of ``notes`` pitches, drawn once from ``melody_seed``: each starts on a
    random note and walks one or two pitches up or down at every step (reflected at the
    ends), so the same short phrases recur across melodies. The input is one step, the
    seed k (one-hot over the melodies); the target is melody k::

        seed 2  ->  4 5 3 2 3 5 6 4 3 1 2 0 1 3 2 4

    The model writes the melody one note at a time, each step reading the note before
    it: in training the true note (teacher forcing), when scored its own guess (greedy
    generation). The loss is the cross-entropy of the teacher-forced notes; the metric
    is the exact match, the fraction of melodies generated without a wrong note.

    The previous note alone does not say what comes next (a pair of notes recurs in
    several melodies with different continuations): the model must remember which
    melody it is playing, from the seed at step 1 to the last note.

    **Baseline:** the loss of the best model with no memory, which reads only its current
    input: the seed at step 1, which gives the first note away, and the previous note
    after that, which gives p(next | previous) counted over all the melodies' notes. It is
    computed exactly from the melodies.

    **Solved:** exact match of at least 0.99.

    **Source:** written for minigrad, after the one-to-many "music generation" example of
    A. Ng's sequence-models lectures; generating sequences by feeding back the network's
    own outputs: A. Graves (2013), "Generating Sequences With Recurrent Neural Networks",
    arXiv:1308.0850.
    """

    name = "melody"
    shape = "one-to-many"
    input_tokens = True
    metric_name = "exact match"
    description = "play the melody a seed names, one note after another"
    source = "minigrad; sequence generation after Graves 2013"
    options = (
        Option("melodies", 16, help="how many melodies (seeds)", min=1),
        Option("length", 24, help="notes per melody", min=2),
        Option("notes", 8, help="pitches in the octave", min=3),
        Option("melody_seed", 0, help="seed of the fixed melodies", min=0),
    )

    def __init__(self, **values):
        super().__init__(**values)
        self.input_size = self.melodies
        self.output_size = self.notes
        self.seq_len = self.length
        self.tunes = self._compose()

    def _compose(self):
        """(melodies, length) notes: random walks of ±1 or ±2 pitches, reflected."""
        rng = numpy.random.default_rng(self.melody_seed)
        top = self.notes - 1
        tunes = numpy.zeros((self.melodies, self.length), dtype=numpy.int64)
        tunes[:, 0] = rng.integers(0, self.notes, size=self.melodies)
        steps = rng.choice([-2, -1, 1, 2], size=(self.melodies, self.length - 1))
        for t in range(1, self.length):
            note = tunes[:, t - 1] + steps[:, t - 1]
            tunes[:, t] = numpy.abs(note) if top == 0 else top - numpy.abs(top - numpy.abs(note))
        return tunes

    def batch(self, batch_size, rng):
        batch_size, rng = check_batch_size(batch_size), generator(rng)
        seeds = rng.integers(0, self.melodies, size=batch_size)
        targets = self.tunes[seeds].T.copy()
        return Batch(one_hot(seeds[None, :], self.input_size), targets,
                     numpy.ones(targets.shape, dtype=bool))

    def loss(self, outputs, batch):
        check_shape_of(self, outputs, batch.targets.shape + (self.output_size,))
        return masked_cross_entropy(outputs, batch.targets)

    def metric(self, outputs, batch):
        check_shape_of(self, outputs, batch.targets.shape, "generated notes")
        return exact_match(outputs, batch.targets)

    def baseline(self):
        nats = bigram_nats(self.tunes[:, :-1], self.tunes[:, 1:])
        return nats / self.tunes.size   # step 1 costs nothing: the seed names its note

    def solved(self, loss, score):
        return score >= 0.99
