"""minigrad.utils.data against torch.utils.data: the batches default_collate makes
(structure, shapes, dtypes, values), what a DataLoader serves per epoch (every sample
once, in order or shuffled, reproducibly from a seed), random_split's sizes, the errors
for bad input, minigrad.Generator and randperm, and a small training loop over a
DataLoader that gives PyTorch's losses.
"""
import collections
import doctest
import subprocess
import sys
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
import minigrad.utils.data
from minigrad import nn
from minigrad.utils.data import (DataLoader, Dataset, Subset, TensorDataset, default_collate,
                                 random_split)

Point = collections.namedtuple("Point", ["x", "label"])


def assert_same_batch(ours, theirs, torch):
    """``ours`` (from minigrad) has the structure, types, shapes, dtypes and values of
    ``theirs`` (from PyTorch)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, minigrad.Tensor), f"expected a Tensor, got {type(ours)}"
        assert ours.shape == tuple(theirs.shape)
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    elif isinstance(theirs, tuple) and hasattr(theirs, "_fields"):
        assert type(ours).__name__ == type(theirs).__name__ and ours._fields == theirs._fields
        for a, b in zip(ours, theirs):
            assert_same_batch(a, b, torch)
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same_batch(a, b, torch)
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for key in theirs:
            assert_same_batch(ours[key], theirs[key], torch)
    else:
        assert type(ours) is type(theirs) and ours == theirs


# Each case makes a list of samples from `as_tensor` (numpy array -> that framework's
# tensor), so the same samples go to torch's default_collate and to ours.
rng = np.random.default_rng(7)
X32 = rng.standard_normal((4, 3, 2)).astype(np.float32)
X64 = rng.standard_normal((4, 5))
INTS = rng.integers(0, 9, (4, 2))
COLLATE_CASES = {
    "float32 tensors": lambda T: [T(x) for x in X32],
    "float64 tensors": lambda T: [T(x) for x in X64],
    "int64 tensors": lambda T: [T(x) for x in INTS],
    "0-d tensors": lambda T: [T(np.float32(v)) for v in X64[:, 0]],
    "float64 arrays": lambda T: list(X64),
    "float32 arrays": lambda T: list(X32),
    "int32 arrays": lambda T: list(INTS.astype(np.int32)),
    "bool arrays": lambda T: list(INTS > 4),
    "numpy float32 scalars": lambda T: list(X32[:, 0, 0]),
    "numpy float64 scalars": lambda T: list(X64[:, 0]),
    "numpy int64 scalars": lambda T: list(INTS[:, 0]),
    "numpy bool scalars": lambda T: list(INTS[:, 0] > 4),
    "ints": lambda T: [3, 1, 4, 1],
    "floats": lambda T: [0.5, -1.25, 3.0, 2.0],
    "bools": lambda T: [True, False, True, True],
    "an int, then floats": lambda T: [1, 2.5, 3.0, 4.0],
    "strings": lambda T: ["ab", "c", "d", "ef"],
    "(tensor, int) tuples": lambda T: [(T(x), i) for i, x in enumerate(X32)],
    "(array, float, str) tuples": lambda T: [(x, float(i), str(i)) for i, x in enumerate(X64)],
    "[tensor, float] lists": lambda T: [[T(x), float(x[0])] for x in X64],
    "dicts": lambda T: [{"x": T(x), "y": int(i), "name": f"n{i}"} for i, x in enumerate(X32)],
    "OrderedDicts": lambda T: [collections.OrderedDict(b=T(x), a=float(x[0])) for x in X64],
    "namedtuples": lambda T: [Point(T(x), i) for i, x in enumerate(X32)],
    "nested": lambda T: [{"pair": (T(x), [i, i + 0.5]), "meta": {"id": i}}
                         for i, x in enumerate(X32)],
}


@pytest.mark.parametrize("case", list(COLLATE_CASES))
def test_default_collate_makes_torchs_batch(case, torch):
    from torch.utils.data import default_collate as torch_collate
    make = COLLATE_CASES[case]
    ours = default_collate(make(minigrad.tensor))
    theirs = torch_collate(make(torch.as_tensor))
    assert_same_batch(ours, theirs, torch)


def test_collating_tensors_keeps_the_graph():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    batch = default_collate([x, x * 3])
    batch.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0])


def test_collate_refuses_what_it_cannot_batch():
    with pytest.raises(RuntimeError, match=r"one shape.*\(3,\) at sample 0 and \(2,\) at sample 2"):
        default_collate([minigrad.zeros(3), minigrad.zeros(3), minigrad.zeros(2)])
    with pytest.raises(RuntimeError, match=r"same number of elements.*\[2, 2, 3\]"):
        default_collate([(1, 2), (3, 4), (5, 6, 7)])
    with pytest.raises(TypeError, match="tensors, numpy arrays, numbers, dicts or lists.*NoneType"):
        default_collate([None, None])
    with pytest.raises(TypeError, match="object"):
        default_collate([np.array([{}, 1], dtype=object)] * 2)
    with pytest.raises(ValueError, match="empty batch"):
        default_collate([])


# ---------------------------------------------------------------- the DataLoader
def loader_pairs(n=10):
    """A TensorDataset of n (sequence, label) pairs, and its two arrays (for torch's)."""
    x = rng.standard_normal((n, 5, 3)).astype(np.float32)
    y = rng.integers(0, 4, n)
    return (TensorDataset(minigrad.tensor(x), minigrad.tensor(y)), x, y)


@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (4, False), (4, True), (5, True),
                                                   (10, False), (32, False), (32, True)])
def test_unshuffled_batches_are_torchs(batch_size, drop_last, torch):
    ours_set, x, y = loader_pairs()
    theirs_set = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    ours = DataLoader(ours_set, batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(theirs_set, batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    ours_batches, theirs_batches = list(ours), list(theirs)
    assert len(ours_batches) == len(theirs_batches) == len(ours)
    for a, b in zip(ours_batches, theirs_batches):
        assert_same_batch(a, b, torch)


def test_a_list_of_samples_batches_as_in_torch(torch):
    samples = [(x, int(label), {"length": float(len(x))})
               for x, label in zip(rng.standard_normal((7, 3)), rng.integers(0, 2, 7))]
    ours = list(DataLoader(samples, batch_size=3))
    theirs = list(torch.utils.data.DataLoader(samples, batch_size=3))
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs):
        assert_same_batch(a, b, torch)


def served(loader):
    """The samples of one epoch, in the order served (the dataset is range-like)."""
    return [int(i) for batch in loader for i in batch.tolist()]


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True), (12, 4, True),
                                                      (1, 5, False), (5, 7, True), (0, 2, False)])
def test_each_epoch_serves_every_sample_once(shuffle, n, batch_size, drop_last):
    loader = DataLoader(list(range(n)), batch_size=batch_size, shuffle=shuffle,
                        drop_last=drop_last)
    expected_len = n // batch_size if drop_last else -(-n // batch_size)
    assert len(loader) == expected_len
    for _ in range(2):  # two epochs
        batches = list(loader)
        assert len(batches) == expected_len
        assert all(b.shape == (batch_size,) for b in batches[:-1])
        order = [int(i) for b in batches for i in b.tolist()]
        assert len(order) == len(set(order)), "a sample was served twice in one epoch"
        if drop_last:
            assert len(order) == expected_len * batch_size
            assert set(order) <= set(range(n))
        else:
            assert sorted(order) == list(range(n))
        if not shuffle:
            assert order == list(range(len(order)))


def test_shuffle_draws_a_new_order_each_epoch_from_the_generator():
    data = list(range(30))
    loader = DataLoader(data, batch_size=4, shuffle=True,
                        generator=minigrad.Generator().manual_seed(1))
    first, second = served(loader), served(loader)
    assert sorted(first) == sorted(second) == data
    assert first != second and first != data

    again = DataLoader(data, batch_size=4, shuffle=True,
                       generator=minigrad.Generator().manual_seed(1))
    assert [served(again), served(again)] == [first, second]
    other = DataLoader(data, batch_size=4, shuffle=True,
                       generator=minigrad.Generator().manual_seed(2))
    assert served(other) != first


def test_shuffle_without_a_generator_follows_manual_seed():
    loader = DataLoader(list(range(30)), batch_size=5, shuffle=True)
    minigrad.manual_seed(3)
    first = [served(loader), served(loader)]
    minigrad.manual_seed(3)
    assert [served(loader), served(loader)] == first
    minigrad.manual_seed(4)
    assert served(loader) != first[0]


def test_collate_fn_makes_the_batches():
    loader = DataLoader(["ab", "cde", "f"], batch_size=2, collate_fn=lambda b: "+".join(b))
    assert list(loader) == ["ab+cde", "f"]


def test_num_workers_and_pin_memory_are_accepted_and_change_nothing():
    ours, _, _ = loader_pairs()
    plain = list(DataLoader(ours, batch_size=4))
    workers = list(DataLoader(ours, batch_size=4, num_workers=2, pin_memory=True))
    for (a, b), (c, d) in zip(plain, workers):
        np.testing.assert_array_equal(a.numpy(), c.numpy())
        np.testing.assert_array_equal(b.numpy(), d.numpy())


@pytest.mark.parametrize("kwargs, error, message", [
    ({"batch_size": 0}, ValueError, "batch_size must be a positive integer, got batch_size=0"),
    ({"batch_size": -2}, ValueError, "batch_size must be a positive integer"),
    ({"batch_size": 2.5}, ValueError, "batch_size must be a positive integer"),
    ({"batch_size": True}, ValueError, "batch_size must be a positive integer"),
    ({"num_workers": -1}, ValueError, "num_workers must be a non-negative integer"),
    ({"collate_fn": "stack"}, TypeError, "collate_fn must be a function"),
    ({"generator": 42}, TypeError, "generator must be a minigrad.Generator.*int"),
])
def test_dataloader_refuses_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        DataLoader(list(range(4)), **kwargs)


def test_a_torch_generator_is_refused_by_name(torch):
    with pytest.raises(TypeError, match="minigrad.Generator.*torch.*Generator"):
        DataLoader(list(range(4)), shuffle=True, generator=torch.Generator())


# ---------------------------------------------------------------- datasets
def test_tensor_dataset_pairs_rows_up():
    x, y = minigrad.randn(4, 3), minigrad.tensor([0, 1, 2, 3])
    dataset = TensorDataset(x, y)
    assert len(dataset) == 4 and dataset.tensors == (x, y)
    sample = dataset[2]
    assert isinstance(sample, tuple) and len(sample) == 2
    np.testing.assert_array_equal(sample[0].numpy(), x.numpy()[2])
    assert sample[1].item() == 2


def test_tensor_dataset_refuses_bad_tensors():
    with pytest.raises(ValueError, match=r"first dimensions must be equal.*\[4, 3\]"):
        TensorDataset(minigrad.zeros(4, 2), minigrad.zeros(3))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match="tensor 1 is 0-d"):
        TensorDataset(minigrad.zeros(2), minigrad.tensor(1.0))
    with pytest.raises(TypeError, match="argument 0 is a ndarray.*minigrad.tensor"):
        TensorDataset(np.zeros(3))


def test_dataset_subclass_must_define_getitem_and_len():
    class Squares(Dataset):
        def __getitem__(self, i):
            return i * i

        def __len__(self):
            return 5

    assert served(DataLoader(Squares(), batch_size=2)) == [0, 1, 4, 9, 16]
    with pytest.raises(NotImplementedError, match="Dataset must define __getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="must define __len__"):
        len(Dataset())


def test_subset_reads_through_its_indices():
    subset = Subset(list("abcdef"), [4, 0, 2])
    assert len(subset) == 3 and [subset[i] for i in range(3)] == ["e", "a", "c"]
    nested = Subset(TensorDataset(minigrad.arange(6)), [5, 1])
    assert nested[[1, 0]][0].tolist() == [1, 5]


@pytest.mark.parametrize("n, lengths", [
    (10, [3, 7]), (10, [10, 0]), (17, [0.85, 0.15]), (100, [0.85, 0.15]), (10, [0.3, 0.3, 0.4]),
    (11, [0.5, 0.5]), (7, [0.25, 0.25, 0.25, 0.25]), (20, [0.7, 0.2, 0.1]), (1, [1]),
    (9, [1 / 3, 1 / 3, 1 / 3]), (0, [])])
def test_random_split_sizes_are_torchs_and_the_splits_partition(n, lengths, torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # empty splits warn in both
        ours = random_split(list(range(n)), lengths, generator=minigrad.Generator().manual_seed(0))
        theirs = torch.utils.data.random_split(list(range(n)), lengths,
                                               generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert all(isinstance(s, Subset) for s in ours)
    items = [s[i] for s in ours for i in range(len(s))]
    assert sorted(items) == list(range(n)), "the splits must be disjoint and cover the dataset"


def test_an_empty_split_warns_as_in_torch():
    with pytest.warns(UserWarning, match="split 3 is empty"):
        random_split(list(range(3)), [0.25, 0.25, 0.25, 0.25])


def test_random_split_is_reproducible_from_a_seed():
    def split(seed):
        return [s.indices for s in random_split(range(50), [0.6, 0.4],
                                                generator=minigrad.Generator().manual_seed(seed))]
    assert split(5) == split(5)
    assert split(5) != split(6)
    minigrad.manual_seed(9)
    first = [s.indices for s in random_split(range(50), [30, 20])]
    minigrad.manual_seed(9)
    assert [s.indices for s in random_split(range(50), [30, 20])] == first


@pytest.mark.parametrize("lengths, error, message", [
    ([6, -1], ValueError, "length 1 is -1; lengths must not be negative"),
    ([3, 4], ValueError, r"add up to 7, but the dataset has 5 samples"),
    ([0.5, 0.4], ValueError, r"length 0 is 0.5, not a whole count.*add up to 0.9"),
    ([0.7, 0.7], ValueError, "not a whole count"),
    ([2.0, 3.0], ValueError, "length 0 is 2.0, not a whole count"),
    ([2, "3"], TypeError, "length 1 is '3'"),
    ([True, 4], TypeError, "length 0 is True"),
])
def test_random_split_refuses_bad_lengths(lengths, error, message):
    with pytest.raises(error, match=message):
        random_split(list(range(5)), lengths)


# ---------------------------------------------------------------- Generator and randperm
def test_generator_api(torch):
    g = minigrad.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed()  # the same fixed start
    assert g.device == "cpu"
    assert g.manual_seed(123) is g and g.initial_seed() == 123
    seed = g.seed()
    assert isinstance(seed, int) and seed >= 0 and g.initial_seed() == seed
    assert minigrad.Generator().seed() != seed
    assert minigrad.Generator("cuda").device == "cuda:0"  # a label: no GPU needed
    assert minigrad.Generator(device=minigrad.zeros(1).device).device == "cpu"
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        minigrad.Generator("tpu")
    for bad in (-1, 1.5, "7", True):
        with pytest.raises(ValueError, match="Generator.manual_seed expects a non-negative integer"):
            minigrad.Generator().manual_seed(bad)


def test_generators_draw_apart_from_the_global_one():
    def draws(g):
        return [minigrad.randperm(10, generator=g).tolist() for _ in range(3)]
    assert draws(minigrad.Generator()) == draws(minigrad.Generator())
    minigrad.manual_seed(0)
    before = minigrad.rand(3).tolist()
    minigrad.manual_seed(0)
    draws(minigrad.Generator().manual_seed(4))
    assert minigrad.rand(3).tolist() == before, "a Generator's draws must not move the global one"
    assert draws(minigrad.Generator().manual_seed(4)) != draws(minigrad.Generator().manual_seed(5))


def test_randperm(torch):
    perm = minigrad.randperm(20)
    assert perm.dtype == minigrad.int64 == np.dtype(str(torch.randperm(3).dtype)[6:])
    assert sorted(perm.tolist()) == list(range(20))
    assert minigrad.randperm(0).shape == (0,)
    assert minigrad.randperm(4, dtype=minigrad.float32).dtype == minigrad.float32
    minigrad.manual_seed(1)
    first = minigrad.randperm(20).tolist()
    minigrad.manual_seed(1)
    assert minigrad.randperm(20).tolist() == first
    for bad in (-1, 2.0, True):
        with pytest.raises(ValueError, match="randperm: n must be a non-negative integer"):
            minigrad.randperm(bad)


# ---------------------------------------------------------------- the package
def test_the_package_imports_as_torchs_does():
    code = ("import minigrad; from minigrad.utils.data import DataLoader, Dataset, TensorDataset, "
            "random_split; assert minigrad.utils.data.DataLoader is DataLoader; "
            "assert minigrad.Generator is minigrad.random.Generator")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_docstring_examples_run():
    for module in (minigrad.utils.data, minigrad.random):
        result = doctest.testmod(module, extraglobs={"minigrad": minigrad})
        assert result.attempted > 0 and result.failed == 0, module.__name__


# ---------------------------------------------------------------- end to end
LETTERS = "abcdefgh"


def name_samples(count, length=5, seed=0):
    """(one-hot word of shape (length, 8), class of its first letter: a-c 0, d-f 1, g-h 2)."""
    draw = np.random.default_rng(seed)
    samples = []
    for _ in range(count):
        word = draw.integers(0, len(LETTERS), length)
        samples.append((np.eye(len(LETTERS), dtype=np.float32)[word], int(min(word[0] // 3, 2))))
    return samples


class NameClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(len(LETTERS), 12, batch_first=True)
        self.out = nn.Linear(12, 3)

    def forward(self, x):
        _, h = self.rnn(x)
        return self.out(h[-1])


def test_a_character_classifier_trains_over_a_dataloader():
    samples = [(minigrad.tensor(x), label) for x, label in name_samples(64)]
    loader = DataLoader(samples, batch_size=8, shuffle=True,
                        generator=minigrad.Generator().manual_seed(0))
    model = NameClassifier()
    optimizer = minigrad.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for _ in range(6):
        for x, y in loader:
            assert x.shape[1:] == (5, len(LETTERS)) and y.dtype == minigrad.int64
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    assert len(losses) == 6 * len(loader) == 48
    assert np.mean(losses[-8:]) < 0.5 * np.mean(losses[:8])


def test_the_training_loop_gives_torchs_losses(torch):
    """The same loop, weights and batches in both: the losses agree step by step."""
    samples = name_samples(20, seed=1)
    model = NameClassifier()
    reference = torch.nn.ModuleDict({"rnn": torch.nn.RNN(len(LETTERS), 12, batch_first=True),
                                     "out": torch.nn.Linear(12, 3)})
    reference.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                               for k, v in model.state_dict().items()})
    ours_opt = minigrad.optim.SGD(model.parameters(), lr=0.5)
    theirs_opt = torch.optim.SGD(reference.parameters(), lr=0.5)
    ours_losses, theirs_losses = [], []
    for _ in range(2):
        for (x, y), (tx, ty) in zip(DataLoader(samples, batch_size=6),
                                    torch.utils.data.DataLoader(samples, batch_size=6)):
            loss = F.cross_entropy(model(x), y)
            ours_opt.zero_grad()
            loss.backward()
            ours_opt.step()
            ours_losses.append(loss.item())

            _, h = reference["rnn"](tx)
            tloss = torch.nn.functional.cross_entropy(reference["out"](h[-1]), ty)
            theirs_opt.zero_grad()
            tloss.backward()
            theirs_opt.step()
            theirs_losses.append(tloss.item())
    assert len(ours_losses) == 8
    np.testing.assert_allclose(ours_losses, theirs_losses, rtol=1e-5, atol=1e-6)
    assert ours_losses[-1] != ours_losses[0]


@pytest.mark.gpu
def test_batches_of_gpu_tensors_stay_on_the_gpu():
    x = minigrad.randn(6, 3, device="cuda")
    ids = minigrad.arange(6, device="cuda")
    loader = DataLoader(TensorDataset(x, ids), batch_size=4, shuffle=True,
                        generator=minigrad.Generator("cuda").manual_seed(0))
    batches = list(loader)
    assert [t.device for pair in batches for t in pair] == ["cuda:0"] * 4
    assert [rows.shape for rows, _ in batches] == [(4, 3), (2, 3)]
    order = [int(i) for _, batch_ids in batches for i in batch_ids.tolist()]
    assert sorted(order) == list(range(6))
    served_rows = np.concatenate([rows.numpy() for rows, _ in batches])
    np.testing.assert_array_equal(served_rows, x.numpy()[order])
    perm = minigrad.randperm(5, device="cuda")
    assert perm.device == "cuda:0" and sorted(perm.tolist()) == list(range(5))
