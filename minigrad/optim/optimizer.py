"""Optimizer: the base class that holds the parameters, their options and their state.

An optimizer keeps a list of *parameter groups*. A group is a dict: the parameters
under ``"params"`` and the options that update them (``"lr"``, ``"momentum"``, ...);
an option a group leaves out is taken from the optimizer's defaults. Groups let one
model train parts of itself differently::

    opt = minigrad.optim.SGD([{"params": model.encoder.parameters(), "lr": 1e-3},
                              {"params": model.head.parameters()}], lr=1e-2)

``state[p]`` holds what the algorithm remembers about parameter ``p`` between steps:
a step count (an int) and running averages (backend arrays shaped like ``p``).

A subclass only writes ``update(p, grad, state, group)``: the equations for one
parameter. ``step()`` calls it for every parameter that has a gradient, with gradient
recording off, so the update changes ``p.array`` in place without building a graph.
"""
import copy
import numbers
from collections import defaultdict

from .. import grad_mode
from ..backend import get_array_module, to_device
from ..tensor import Tensor


class Optimizer:
    """Base class of all optimizers.

    ``params`` is an iterable of Tensors, or of dicts (parameter groups) each with a
    ``"params"`` entry; ``defaults`` maps every option name to its default value.
    """

    def __init__(self, params, defaults):
        if isinstance(params, Tensor):
            raise TypeError("params must be an iterable of Tensors or of dicts, got a single "
                            "Tensor: wrap it in a list, [tensor]")
        self.defaults = dict(defaults)
        self.param_groups = []
        self.state = defaultdict(dict)
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {value}" for key, value in sorted(group.items())
                      if key != "params"]
        return "\n".join(lines) + "\n)"

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``"params"`` and optional options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        params = param_group.get("params")
        if params is None:
            raise ValueError("a parameter group must have a 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("parameters must be given in an ordered collection (a list), "
                            "not a set, whose order changes from run to run")
        params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"an optimizer can only optimize Tensors, got "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (one computed by an op); "
                                 "optimize the leaves it was computed from")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter group lists the same parameter more than once")
        existing = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")

        group = {**self.defaults, **param_group, "params": params}
        self.param_groups.append(group)

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set ``p.grad`` to None (default) or fill it with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.zero_()

    def step(self, closure=None):
        """Update every parameter that has a gradient; parameters without one are skipped.

        ``closure``, if given, recomputes the loss (with gradients) and returns it;
        step then returns that loss.
        """
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        with grad_mode.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self.update(p, p.grad.array, self.state[p], group)
        return loss

    def update(self, p, grad, state, group):
        """Apply one step of the algorithm to parameter ``p``.

        ``grad`` is the gradient array, ``state`` the dict ``self.state[p]`` (empty on
        the first step) and ``group`` the parameter group with the options.
        """
        raise NotImplementedError(f"{type(self).__name__} must define update()")

    # ------------------------------------------------------------------ saving
    def state_dict(self):
        """The optimizer's state as ``{"state": ..., "param_groups": ...}``, as in torch.

        Parameters are named by their position, counted across the groups in order:
        ``"state"`` maps a position to that parameter's state (arrays as Tensor copies,
        step counts as ints) and each group lists the positions of its ``"params"``.
        """
        position = {}
        groups = []
        for group in self.param_groups:
            saved = {key: copy.deepcopy(value) for key, value in group.items() if key != "params"}
            saved["params"] = []
            for p in group["params"]:
                position[id(p)] = len(position)
                saved["params"].append(position[id(p)])
            groups.append(saved)
        state = {position[id(p)]: {name: _export(value) for name, value in param_state.items()}
                 for p, param_state in self.state.items() if id(p) in position and param_state}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` returned (possibly from another optimizer object
        over the same model). The parameters of this optimizer are kept; their options
        and state come from ``state_dict``."""
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError("an optimizer state dict must be a dict with the keys 'state' and "
                             "'param_groups' (what Optimizer.state_dict() returns)")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"the loaded state dict has {len(saved_groups)} parameter groups, "
                             f"but the optimizer has {len(self.param_groups)}")
        by_position = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"parameter group {i} of the loaded state dict has "
                                 f"{len(saved['params'])} parameters, but the optimizer's "
                                 f"group {i} has {len(group['params'])}")
            by_position.update(zip(saved["params"], group["params"]))

        state = defaultdict(dict)
        for position, param_state in state_dict["state"].items():
            if position not in by_position:
                raise ValueError(f"the loaded state dict has state for parameter {position}, "
                                 f"which is in none of its parameter groups")
            p = by_position[position]
            state[p] = {name: _import(value, p, name) for name, value in param_state.items()}

        groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            options = {key: copy.deepcopy(value) for key, value in saved.items() if key != "params"}
            groups.append({**self.defaults, **options, "params": group["params"]})
        self.param_groups, self.state = groups, state


def _export(value):
    """A saved copy of one state value: arrays become Tensors, numbers stay numbers."""
    if isinstance(value, (numbers.Number, type(None))):
        return value
    return Tensor(value.copy())


def _import(value, p, name):
    """A state value loaded for parameter ``p``: an array on p's device, in p's dtype."""
    if isinstance(value, (numbers.Number, type(None))):
        return value
    array = value.array if isinstance(value, Tensor) else value
    array = get_array_module(p.array).asarray(to_device(array, p.device), dtype=p.dtype)
    if array.shape != p.array.shape:
        raise ValueError(f"the loaded state {name!r} has shape {tuple(array.shape)}, but its "
                         f"parameter has shape {p.shape}")
    return array.copy()


# ---------------------------------------------------------------------- argument checks
def check_non_negative(owner, name, value):
    """Raise a ValueError unless ``value >= 0``."""
    _check_number(owner, name, value)
    if not value >= 0.0:  # `not >=` also rejects NaN
        raise ValueError(f"{owner}: invalid {name} {value!r}: it must be >= 0")


def check_unit_interval(owner, name, value):
    """Raise a ValueError unless ``0 <= value < 1``."""
    _check_number(owner, name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{owner}: invalid {name} {value!r}: it must be in [0, 1)")


def _check_number(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {type(value).__name__}")
