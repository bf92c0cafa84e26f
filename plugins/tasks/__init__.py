"""The built-in tasks, registered through the same hook as any third-party task.

Each task lives in its own module, with its definition, baseline, "solved" criterion and
source in the class docstring (and in docs/tasks.md); ``common`` holds what they share.
"""
from minigrad import hookimpl

from .adding import AddingTask
from .associative_recall import AssociativeRecallTask
from .copy import CopyTask
from .embedded_reber import EmbeddedReberTask
from .lookahead import LookaheadTask
from .melody import MelodyTask
from .name_tagging import NameTaggingTask
from .negation import NegationTask
from .number_words import NumberWordsTask
from .selective_copy import SelectiveCopyTask
from .temporal_order import TemporalOrderTask
from .text import TextTask

TASKS = (CopyTask, AddingTask, EmbeddedReberTask, TemporalOrderTask, SelectiveCopyTask,
         AssociativeRecallTask, LookaheadTask, TextTask, NegationTask,
         NameTaggingTask, MelodyTask, NumberWordsTask)

__all__ = [task.__name__ for task in TASKS] + ["TASKS"]


@hookimpl
def minigrad_register_tasks(register):
    register("copy", CopyTask, description=CopyTask.description)
    register("adding", AddingTask, description=AddingTask.description)
    register("embedded-reber", EmbeddedReberTask, description=EmbeddedReberTask.description)
    register("temporal-order", TemporalOrderTask, description=TemporalOrderTask.description)
    register("selective-copy", SelectiveCopyTask, description=SelectiveCopyTask.description)
    register("associative-recall", AssociativeRecallTask,
             description=AssociativeRecallTask.description)
    register("lookahead", LookaheadTask, description=LookaheadTask.description)
    register("text", TextTask, description=TextTask.description)
    register("negation", NegationTask, description=NegationTask.description)
    register("name-tagging", NameTaggingTask, description=NameTaggingTask.description)
    register("melody", MelodyTask, description=MelodyTask.description)
    register("number-words", NumberWordsTask, description=NumberWordsTask.description)
