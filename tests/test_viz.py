"""minigrad.viz.to_dot: the DOT text is parsed back and compared with the graph itself."""
import re

import pytest

import minigrad
from minigrad import nn
from minigrad.viz import cell_graph, to_dot

NODE = re.compile(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)", (.*)\];$')
EDGE = re.compile(r"^\s*(n\d+) -> (n\d+);$")


def parse_dot(text):
    """A tiny parser for what to_dot writes: {id: (label, attributes)} and [(a, b)].
    Any line it can't read fails the test, so malformed output can't slip through."""
    lines = text.strip().splitlines()
    assert lines[0] == "digraph minigrad {" and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if line.strip() in ("rankdir=BT;", 'node [fontname="Helvetica", fontsize=10];'):
            continue
        if (match := NODE.match(line)):
            assert match[1] not in nodes, f"node {match[1]} declared twice"
            label = re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], match[2])
            nodes[match[1]] = (label, match[3])
        elif (match := EDGE.match(line)):
            edges.append((match[1], match[2]))
        else:
            raise AssertionError(f"unreadable DOT line: {line!r}")
    return nodes, edges


def reachable(tensor):
    """The graph's tensors and its (input, output) links, walked here independently."""
    seen, stack, links = {id(tensor): tensor}, [tensor], 0
    while stack:
        node = stack.pop()
        for parent in node._parents:
            links += 1
            if id(parent) not in seen:
                seen[id(parent)] = parent
                stack.append(parent)
    return seen, links


def check_structure(text, tensor):
    nodes, edges = parse_dot(text)
    tensors, links = reachable(tensor)
    assert len(nodes) == len(tensors)
    assert len(edges) == links
    for a, b in edges:
        assert a in nodes and b in nodes, f"edge {a} -> {b} names an undeclared node"
    return nodes, edges


def test_a_small_expression_names_its_ops_shapes_and_parameters():
    w = nn.Parameter(minigrad.ones(2, 3))
    x = minigrad.tensor([[1.0, 2.0]])
    y = (x @ w).tanh().sum()
    nodes, edges = check_structure(to_dot(y, name="loss", params={"w": w}), y)
    labels = {label: attrs for label, attrs in nodes.values()}
    assert "loss\nsum\n()" in labels
    assert "tanh\n(1, 3)" in labels
    assert "matmul\n(1, 3)" in labels
    assert "w\n(2, 3)" in labels and "lightblue" in labels["w\n(2, 3)"]
    assert "input\n(1, 2)" in labels and "dashed" in labels["input\n(1, 2)"]
    by_label = {label: key for key, (label, _) in nodes.items()}
    # edges run as values flow: the parameter into the product, the product into tanh
    assert (by_label["w\n(2, 3)"], by_label["matmul\n(1, 3)"]) in edges
    assert (by_label["matmul\n(1, 3)"], by_label["tanh\n(1, 3)"]) in edges


def test_a_value_used_twice_is_one_node_with_two_edges():
    a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = a * a
    nodes, edges = check_structure(to_dot(y), y)
    assert len(nodes) == 2 and len(edges) == 2
    assert "leaf\n(2,)" in [label for label, _ in nodes.values()]


def test_labels_are_escaped():
    a = nn.Parameter(minigrad.ones(2))
    y = a.exp()
    text = to_dot(y, name='say "hi" \\ bye', params={'w"1': a})
    nodes, _ = check_structure(text, y)
    labels = [label for label, _ in nodes.values()]
    assert 'say "hi" \\ bye\nexp\n(2,)' in labels
    assert 'w"1\n(2,)' in labels


@pytest.mark.parametrize("cell, ops", [("lstm", {"sigmoid", "tanh", "getitem", "linear"}),
                                       ("gru", {"sigmoid", "tanh"}),
                                       ("rnn", {"tanh"})])
def test_an_unrolled_cell(cell, ops):
    text = cell_graph(cell, steps=3, hidden=2)
    layer = nn.Recurrent(cell, 2, 2, fused=False)
    layer.use_fast_path = False
    outputs, _ = layer(minigrad.randn(3, 1, 2))
    nodes, _ = parse_dot(text)
    tensors, _ = reachable(outputs)
    assert len(nodes) == len(tensors)
    labels = [label for label, _ in nodes.values()]
    names = {label.split("\n")[0] for label in labels}
    assert {"weight_ih_l0", "weight_hh_l0", "outputs"} <= names
    ops_seen = {label.split("\n")[0] for label in labels}
    ops_seen |= {label.split("\n")[1] for label in labels if label.startswith("outputs")}
    for op in ops:
        assert any(o.startswith(op) for o in ops_seen), (op, sorted(ops_seen))
    # three steps: the recurrent weight feeds one product per step
    _, edges = parse_dot(text)
    w_hh = next(k for k, (label, _) in nodes.items() if label.startswith("weight_hh_l0"))
    assert sum(1 for a, _ in edges if a == w_hh) >= 3


def test_the_fused_cell_is_one_node():
    nodes, _ = parse_dot(cell_graph("lstm", steps=5, fused=True))
    ops = [label for label, attrs in nodes.values() if "box" in attrs]
    assert len(ops) == 1 and "(5, 1, 2)" in ops[0]


def test_a_long_graph_needs_no_recursion():
    x = minigrad.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0
    nodes, edges = check_structure(to_dot(y), y)
    assert len(nodes) == 40_001


def test_bad_input_is_refused_plainly():
    with pytest.raises(TypeError, match="minigrad Tensor"):
        to_dot([1, 2])
    with pytest.raises(TypeError, match="params must map names"):
        to_dot(minigrad.ones(1), params=[1])
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        cell_graph("lstm", steps=0)
