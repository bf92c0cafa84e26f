"""Sampling from and scoring with a trained language model (a run of a token task).

The model reads one token at a time, one-hot over the vocabulary, and carries its
recurrent state from step to step; its read-out gives the logits z_t of the next token:

    p(v | tokens_<t) = softmax(z_t)_v,     log p = z_t,v - log Σ_u exp(z_t,u)

Every sequence starts from the model's initial state with ``<EOS>`` as its first input:
the model was trained on text in which a line starts after the last one's ``<EOS>``.

**Sampling** draws token t from softmax(z_t / T) restricted to the k largest logits
(``top_k``), feeds it back, and stops at ``<EOS>`` or after ``length`` tokens. A lower
temperature T sharpens the distribution; ``top_k=1`` is greedy decoding (the most likely
token each step). T must be > 0 (T -> 0 is the greedy limit: ask for ``top_k=1``).

**Scoring** a text gives ln p(text) = Σ_t ln p(token_t | tokens_<t) over its tokens,
the closing ``<EOS>`` of each line included, and the same in bits (÷ ln 2). A token
outside the vocabulary is scored as ``<UNK>``, and marked so.
"""
import json
import math
from dataclasses import dataclass, field
from typing import List

import numpy

from . import creation, grad_mode
from .vocabulary import EOS, Vocabulary, tokenize


class NotALanguageModel(ValueError):
    """The checkpoint (or model) cannot be sampled from: it says why."""


@dataclass
class Sample:
    """What ``sample`` generated: the ``prime`` tokens it read, the ``tokens`` it drew
    (``<EOS>`` last if it stopped there), and why it stopped (``"eos"`` or ``"length"``)."""
    prime: List[str]
    tokens: List[str]
    stopped: str
    text: str = ""

    def to_dict(self):
        return {"prime": self.prime, "tokens": self.tokens, "stopped": self.stopped,
                "text": self.text}


@dataclass
class Score:
    """ln p of a text (``log_prob``, natural log; ``bits`` = -log_prob / ln 2) and, per
    token, its probability given the tokens before it."""
    log_prob: float
    tokens: List[dict] = field(default_factory=list)

    @property
    def bits(self):
        return -self.log_prob / math.log(2)

    @property
    def unknown(self):
        """The tokens of the text that were scored as <UNK>."""
        return [t["token"] for t in self.tokens if t["unknown"]]

    def to_dict(self):
        return {"log_prob": self.log_prob, "bits": self.bits, "tokens": self.tokens,
                "unknown": self.unknown}


def load_language_model(checkpoint, where="the checkpoint"):
    """``(model, vocabulary, settings)`` from a run's checkpoint of a token task (what
    ``minigrad train --task text --save`` writes): the model rebuilt from the recorded
    cell and sizes with the saved weights, on the CPU. ``checkpoint`` is a path or what
    ``minigrad.load`` returned. A NotALanguageModel says what is wrong."""
    from . import run_checkpoint
    from .cell_setup import InvalidRunError
    from .serialization import load
    if not isinstance(checkpoint, dict):
        checkpoint = load(checkpoint)
    try:
        settings = run_checkpoint.run_settings(checkpoint, where)
    except InvalidRunError as error:
        raise NotALanguageModel(f"{error} (sampling needs a `minigrad train --task text "
                                f"--save` checkpoint)") from None
    if "vocabulary" not in checkpoint:
        raise NotALanguageModel(f"{where} is a run of task {settings.get('task')!r}, not of a "
                                f"token task: it holds no vocabulary to sample from (train "
                                f"with --task text)")
    try:
        vocabulary = Vocabulary.from_dict(json.loads(checkpoint["vocabulary"]))
    except (TypeError, ValueError) as error:
        raise NotALanguageModel(f"{where} has an unreadable vocabulary: {error}") from None
    return _rebuild(checkpoint, settings, vocabulary, where), vocabulary, settings


def _rebuild(checkpoint, settings, vocabulary, where):
    from .training import build_model
    from .train_config import TrainConfig
    try:
        training = dict(settings["training"], device="cpu")
        config = TrainConfig(**training, cell_options=settings.get("cell_options") or {})
        shape = _Shape(len(vocabulary), settings.get("task_options", {}).get("length", 1))
        model = build_model(settings["cells"][0], shape, config)
        model.load_state_dict(checkpoint["model"])
    except (KeyError, TypeError, ValueError, RuntimeError, IndexError) as error:
        raise NotALanguageModel(f"{where}: its model cannot be rebuilt: "
                                f"{type(error).__name__}: {error}") from None
    if model.rnn.bidirectional:
        raise NotALanguageModel(f"{where} holds a bidirectional model: it reads the future, "
                                f"so it cannot generate text one token at a time")
    model.eval()
    return model


@dataclass
class _Shape:
    """The sizes ``build_model`` asks a task for."""
    input_size: int
    seq_len: int

    @property
    def output_size(self):
        return self.input_size


def check_temperature(temperature):
    if (isinstance(temperature, bool) or not isinstance(temperature, (int, float))
            or not math.isfinite(temperature) or temperature <= 0):
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r} "
                         f"(for greedy decoding, the limit T -> 0, use top_k=1)")
    return float(temperature)


def check_top_k(top_k):
    if top_k is None:
        return None
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise ValueError(f"top_k must be a whole number >= 1 (1 is greedy), or None for "
                         f"every token; got {top_k!r}")
    return top_k


def _stepper(model, vocabulary):
    """A function ``step(token_id) -> log-probabilities of the next token`` (float64
    NumPy), carrying the model's recurrent state from call to call."""
    state, size = None, len(vocabulary)
    dtype = model.head.weight.dtype

    def step(token_id):
        nonlocal state
        x = numpy.zeros((1, 1, size))
        x[0, 0, token_id] = 1.0
        with grad_mode.no_grad():
            hidden, state = model.rnn(creation.tensor(x, dtype=dtype), state)
            logits = model.head(hidden).numpy().astype(numpy.float64)[0, 0]
        return logits - _logsumexp(logits)
    return step


def _logsumexp(z):
    top = z.max()
    return top + math.log(numpy.exp(z - top).sum())


def _prime_tokens(prime, level):
    """The tokens of the prime; a prime that does not end a line leaves it open."""
    tokens = tokenize(prime, level)
    if tokens and not prime.endswith(("\n", "\r")):
        tokens.pop()  # the <EOS> tokenize closes every line with
    return tokens


def sample(model, vocabulary, prime="", length=200, temperature=1.0, top_k=None, seed=None):
    """Generate up to ``length`` tokens after ``prime`` (see the module's docstring);
    the same ``seed`` gives the same sample. Returns a ``Sample``."""
    temperature, top_k = check_temperature(temperature), check_top_k(top_k)
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ValueError(f"length must be a whole number >= 1, got {length!r}")
    if not isinstance(prime, str):
        raise ValueError(f"prime must be text, got {type(prime).__name__}")
    rng = numpy.random.default_rng(seed)
    step = _stepper(model, vocabulary)
    primed = _prime_tokens(prime, vocabulary.level)
    for token_id in [vocabulary.eos_id] + vocabulary.encode(primed):
        log_p = step(token_id)
    drawn, stopped = [], "length"
    for _ in range(length):
        token_id = _draw(log_p, temperature, top_k, rng)
        drawn.append(token_id)
        if token_id == vocabulary.eos_id:
            stopped = "eos"
            break
        log_p = step(token_id)
    # the prime as it was given (its unseen tokens too), then what was drawn
    joiner = " " if vocabulary.level == "word" and primed and primed[-1] != EOS else ""
    text = prime + joiner + vocabulary.decode_text(drawn)
    return Sample(prime=primed, tokens=vocabulary.decode(drawn), stopped=stopped, text=text)


def _draw(log_p, temperature, top_k, rng):
    """One token id from softmax(log_p / T) over the ``top_k`` most likely."""
    z = log_p / temperature
    if top_k is not None and top_k < len(z):
        keep = numpy.argsort(-z, kind="stable")[:top_k]
        if top_k == 1:
            return int(keep[0])
        masked = numpy.full_like(z, -numpy.inf)
        masked[keep] = z[keep]
        z = masked
    p = numpy.exp(z - z.max())
    return int(rng.choice(len(p), p=p / p.sum()))


def score(model, vocabulary, text):
    """ln p(``text``) under the model, token by token (see the module's docstring).
    Returns a ``Score``."""
    if not isinstance(text, str):
        raise ValueError(f"the text to score must be a string, got {type(text).__name__}")
    tokens = tokenize(text, vocabulary.level)
    if not tokens:
        raise ValueError("there is nothing to score: the text is empty or blank")
    step = _stepper(model, vocabulary)
    log_p, total, rows = step(vocabulary.eos_id), 0.0, []
    for t, (token, token_id) in enumerate(zip(tokens, vocabulary.encode(tokens))):
        value = float(log_p[token_id])
        total += value
        rows.append({"token": token, "scored_as": vocabulary.tokens[token_id],
                     "log_prob": value, "probability": math.exp(value),
                     "unknown": token not in vocabulary})
        if t + 1 < len(tokens):
            log_p = step(token_id)
    return Score(log_prob=total, tokens=rows)


