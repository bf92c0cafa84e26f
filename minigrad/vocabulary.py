"""A vocabulary: tokens <-> integer ids, for language-model tasks.

Text is cut into tokens by a tokeniser (``char``: every character; ``word``: runs of
letters and digits, and each punctuation mark on its own), line by line, and every line
ends in the token ``<EOS>``. The vocabulary keeps the ``size`` most frequent tokens of the
text it is built from (ties broken by first appearance) and maps every other token to
``<UNK>``::

    ids 0, 1            <UNK>, <EOS>
    ids 2 .. size + 1   the tokens, most frequent first

so ``len(vocabulary) == min(size, distinct tokens) + 2``. ``to_dict``/``from_dict`` give
it as JSON-friendly data, so a checkpoint can carry it.
"""
import re
from collections import Counter

UNK, EOS = "<UNK>", "<EOS>"
SPECIALS = (UNK, EOS)
LEVELS = ("char", "word")
_WORD = re.compile(r"\w+|[^\w\s]")


def tokenize_line(line, level):
    """The tokens of one line (without its ``<EOS>``): characters or words."""
    if level == "char":
        return list(line)
    if level == "word":
        return _WORD.findall(line)
    raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")


def tokenize(text, level):
    """The tokens of ``text``: each non-empty line's tokens, then ``<EOS>``. Line ends
    (``\\n``, ``\\r\\n``) are not tokens themselves: ``<EOS>`` stands for them."""
    tokens = []
    for line in text.splitlines():
        if line.strip():
            tokens.extend(tokenize_line(line, level))
            tokens.append(EOS)
    return tokens


class Vocabulary:
    """Tokens to ids and back. Build one with ``Vocabulary.build(tokens, size, level)``."""

    def __init__(self, tokens, level):
        tokens = list(tokens)
        if tokens[:2] != list(SPECIALS):
            raise ValueError(f"a vocabulary's first tokens must be {UNK} and {EOS}, "
                             f"got {tokens[:2]}")
        if len(set(tokens)) != len(tokens):
            raise ValueError("a vocabulary cannot hold a token twice")
        tokenize_line("", level)  # checks the level
        self.level, self.tokens = level, tokens
        self.ids = {token: i for i, token in enumerate(tokens)}
        self.unk_id, self.eos_id = 0, 1

    @classmethod
    def build(cls, tokens, size, level):
        """The ``size`` most frequent of ``tokens`` (a list, specials excluded), plus
        ``<UNK>`` and ``<EOS>``."""
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"the vocabulary size must be a positive integer, got {size!r}")
        counts = Counter(t for t in tokens if t not in SPECIALS)
        return cls(list(SPECIALS) + [t for t, _ in counts.most_common(size)], level)

    def __len__(self):
        return len(self.tokens)

    def __contains__(self, token):
        return token in self.ids

    def encode(self, tokens):
        """Ids of ``tokens``; a token outside the vocabulary becomes ``<UNK>``'s id."""
        return [self.ids.get(t, self.unk_id) for t in tokens]

    def encode_text(self, text):
        """``text`` tokenised at this vocabulary's level and encoded."""
        return self.encode(tokenize(text, self.level))

    def decode(self, ids):
        """The tokens of ``ids``."""
        try:
            return [self.tokens[i] for i in ids]
        except (IndexError, TypeError):
            raise ValueError(f"ids must be integers from 0 to {len(self) - 1}") from None

    def decode_text(self, ids):
        """``ids`` as text: ``<EOS>`` ends a line, characters are joined as they are,
        words with a space between them."""
        lines, line = [], []
        for token in self.decode(ids):
            if token == EOS:
                lines.append(line)
                line = []
            else:
                line.append(token)
        joiner = "" if self.level == "char" else " "
        text = "".join(joiner.join(tokens) + "\n" for tokens in lines)
        return text + joiner.join(line)

    def to_dict(self):
        return {"level": self.level, "tokens": list(self.tokens)}

    @classmethod
    def from_dict(cls, data):
        try:
            return cls(data["tokens"], data["level"])
        except (KeyError, TypeError):
            raise ValueError("a vocabulary's data needs 'level' and 'tokens'") from None

    def __repr__(self):
        return f"Vocabulary({len(self)} tokens, level={self.level!r})"
