"""Declared options: what a task or a cell can be told, with defaults and allowed values.

Tasks and cells declare their parameters the same way, so the trainer, the CLI
(``--length 10``, ``--cell-opt nonlinearity=relu``) and ``minigrad tasks|cells`` read
one description instead of guessing from argument names::

    options = (Option("delay", 20, help="steps to remember over", min=1),)

Values arriving as text (from the command line) are converted to the option's type.
"""
import math
from dataclasses import dataclass
from typing import Any, Optional, Sequence

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
MAX_INT = 2 ** 63 - 1  # the largest size of an array dimension


@dataclass(frozen=True)
class Option:
    """One parameter, with its default and the values it allows."""
    name: str
    default: Any
    help: str = ""
    type: type = int
    min: Optional[float] = None
    max: Optional[float] = None
    choices: Optional[Sequence[Any]] = None

    def validate(self, value, owner):
        """``value`` converted to the option's type and checked; ``owner`` ("task 'copy'",
        "cell 'rnn'") starts the error message."""
        where = f"{owner}: option {self.name!r}"
        if value is None and self.default is None:
            return None
        value = self._convert(value, where)
        if self.min is not None and value < self.min:
            raise ValueError(f"{where} must be at least {self.min}, got {value}")
        if self.max is not None and value > self.max:
            raise ValueError(f"{where} must be at most {self.max}, got {value}")
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"{where} must be one of {list(self.choices)}, got {value!r}")
        return value

    def _convert(self, value, where):
        if self.type is bool:
            text = str(value).strip().lower()
            if isinstance(value, bool) or text in _TRUE + _FALSE:
                return value if isinstance(value, bool) else text in _TRUE
            raise ValueError(f"{where} must be true or false, got {value!r}")
        if self.type is int and (isinstance(value, bool) or (
                isinstance(value, float) and not value.is_integer())):
            raise ValueError(f"{where} must be an integer, got {value!r}")  # int() would truncate
        try:
            converted = self.type(value)
        except (TypeError, ValueError, OverflowError):
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
            raise ValueError(f"{where} must be {self.type.__name__}, got {shown}") from None
        if self.type is float and not math.isfinite(converted):
            raise ValueError(f"{where} must be a finite number, got {value!r}")
        if self.type is int and abs(converted) > MAX_INT:
            raise ValueError(f"{where} must be at most {MAX_INT} (a size an array can have), "
                             f"got {converted:.3g}")
        return converted

    def describe(self):
        """The option as JSON-friendly data, for ``minigrad tasks|cells --json``."""
        return {"name": self.name, "default": self.default, "type": self.type.__name__,
                "help": self.help, "min": self.min, "max": self.max,
                "choices": list(self.choices) if self.choices is not None else None}


def validate_options(declared, values, owner):
    """``values`` (a dict) checked against the ``declared`` options; returns the converted
    values. A name that is not declared is an error listing the ones that are."""
    known = {o.name: o for o in declared}
    unknown = sorted(set(values) - set(known))
    if unknown:
        allowed = ", ".join(known) or "none"
        raise ValueError(f"{owner} does not take the option(s) {', '.join(unknown)} "
                         f"(its options: {allowed})")
    return {name: known[name].validate(value, owner) for name, value in values.items()}
