"""The graph behind a tensor, as Graphviz DOT text.

Every tensor an op made remembers its inputs (``_parents``) and the op's name
(``grad_fn``); following those links back from a result gives the whole graph that
``backward()`` will walk. ``to_dot(tensor)`` writes that graph as DOT::

    digraph minigrad {
      n0 [label="mul\\n(2, 3)", shape=box];         one node per op: its name, its shape
      n1 [label="w\\n(2, 3)", shape=ellipse, ...];  leaves: parameters by name, inputs
      n1 -> n0;                                     an edge: n0 was computed from n1
    }

Edges run the way values flow in the forward pass, from an op's input to the op that
used it (``backward()`` walks them the other way, carrying dL/d(output) to each input).
Leaves are drawn apart: a parameter named in ``params`` (``dict(model.named_parameters())``)
is labelled with its name and filled; any other leaf that requires grad is filled too;
a leaf that needs no gradient is drawn dashed (an input) or as its value (a constant).

The walk is iterative (an explicit stack), so an unrolled graph of 100,000 nodes is no
problem; render the text with ``dot -Tsvg graph.dot -o graph.svg``.
"""
from .tensor import Tensor

__all__ = ["to_dot", "graph_nodes"]


def graph_nodes(tensor):
    """Every tensor the graph behind ``tensor`` holds, ``tensor`` first, each once (by
    identity), in the order an iterative depth-first walk meets them."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot draws the graph behind a minigrad Tensor, got a "
                        f"{type(tensor).__name__}")
    seen, order, stack = {id(tensor)}, [tensor], [tensor]
    while stack:
        node = stack.pop()
        for parent in node._parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                order.append(parent)
                stack.append(parent)
    return order


def to_dot(tensor, name=None, params=None):
    """The graph behind ``tensor`` as Graphviz DOT text (see the module's docstring).

    ``name`` labels the result node (by default its op's name alone); ``params`` maps
    names to parameters (``dict(model.named_parameters())``), so each leaf that is one
    of them is labelled by its name."""
    if params is not None and not hasattr(params, "items"):
        raise TypeError(f"params must map names to parameters (dict(model.named_parameters()))"
                        f", got a {type(params).__name__}")
    names = {id(p): key for key, p in (params or {}).items()}
    nodes = graph_nodes(tensor)
    ids = {id(node): f"n{i}" for i, node in enumerate(nodes)}
    lines = ["digraph minigrad {", "  rankdir=BT;",
             '  node [fontname="Helvetica", fontsize=10];']
    for node in nodes:
        label, style = _describe(node, names)
        if node is tensor and name is not None:
            label = f"{name}\n{label}"
        lines.append(f'  {ids[id(node)]} [label="{_escape(label)}", {style}];')
    for node in nodes:
        for parent in node._parents:
            lines.append(f"  {ids[id(parent)]} -> {ids[id(node)]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _describe(node, names):
    """(label, DOT attributes) of one node."""
    shape = _shape_text(node.shape)
    if node.grad_fn is not None or node._parents:
        return f"{node.grad_fn or 'op'}\n{shape}", "shape=box"
    if id(node) in names:
        return (f"{names[id(node)]}\n{shape}",
                'shape=ellipse, style=filled, fillcolor="lightblue"')
    if node.requires_grad:
        return f"leaf\n{shape}", 'shape=ellipse, style=filled, fillcolor="lightgrey"'
    if node.ndim == 0:  # a constant such as the 1 of (1 - z): show its value
        return f"{node.array.reshape(()).item():g}", "shape=plaintext"
    return f"input\n{shape}", "shape=ellipse, style=dashed"


def _shape_text(shape):
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _escape(text):
    """Text as the inside of a DOT double-quoted string: backslashes and quotes escaped,
    line breaks as DOT's centred ``\\n``."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def cell_graph(cell, steps=3, hidden=2, input_size=2, fused=False):
    """DOT of ``cell`` (a registered name or a cell class) unrolled over ``steps`` time
    steps: a one-layer ``Recurrent`` of ``hidden`` units run on a batch of one sequence
    of ``input_size`` features, the graph behind its outputs (seq, 1, hidden) with the
    parameters named as the layer names them (``weight_hh_l0``).

    ``fused=False`` (the default) draws the cell's plain ``forward`` at every step, each
    op apart, as BPTT walks it (neither the fused op nor the per-step fast path);
    ``fused=True`` lets a built-in cell run its whole sequence as one op."""
    from . import checks, creation
    from .nn.recurrent import Recurrent
    steps = checks.size(steps, "steps")
    if steps > 1000:
        raise ValueError(f"steps={steps}: a drawing of more than 1000 steps is unreadable; "
                         f"give 1 to 1000")
    hidden, input_size = checks.size(hidden, "hidden"), checks.size(input_size, "input_size")
    layer = Recurrent(cell, input_size, hidden, fused=fused)
    layer.use_fast_path = fused  # unfused: forward itself, not the per-step fused op
    inputs = creation.randn(steps, 1, input_size)
    outputs, _ = layer(inputs)
    return to_dot(outputs, name="outputs", params=dict(layer.named_parameters()))
