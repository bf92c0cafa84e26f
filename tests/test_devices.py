"""Devices as PyTorch names them: ``minigrad.device``, ``minigrad.cuda``,
``minigrad.accelerator``, ``minigrad.backends`` and the default device.

``torch.device`` is the oracle for names, equality, ``str`` and ``repr``; a device must
go everywhere a device name goes; and none of it may import CuPy unless a GPU is asked
for or asked about (checked with a stand-in ``cupy`` package that would be seen).
"""
import importlib.util
import subprocess
import sys

import numpy as np
import pytest

import minigrad
from minigrad import backend, nn

HAS_CUPY = importlib.util.find_spec("cupy") is not None
no_cupy = pytest.mark.skipif(HAS_CUPY, reason="CuPy is installed here")
no_gpu = pytest.mark.skipif(backend.gpu_available(), reason="a GPU is available here")

SPELLINGS = [("cpu",), ("cuda",), ("cuda", 0), ("cuda:0",), ("cuda", 1), ("cuda:1",),
             ("cpu:0",), ("cpu", 0)]


@pytest.fixture(autouse=True)
def _default_device_restored():
    yield
    minigrad.set_default_device(None)


# --------------------------------------------------------------------------- device
@pytest.mark.parametrize("spelling", SPELLINGS, ids=lambda s: repr(s))
def test_device_reads_like_torch(torch, spelling):
    ours, theirs = minigrad.device(*spelling), torch.device(*spelling)
    assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert str(ours) == str(theirs) and repr(ours) == repr(theirs)
    assert minigrad.device(str(theirs)) == ours


def test_device_equality_and_hashing_match_torch(torch):
    ours = [minigrad.device(*s) for s in SPELLINGS]
    theirs = [torch.device(*s) for s in SPELLINGS]
    same_ours = [[a == b for b in ours] for a in ours]
    same_theirs = [[a == b for b in theirs] for a in theirs]
    assert same_ours == same_theirs
    assert len(set(ours)) == len(set(theirs)) == 5  # cpu, cuda, cuda:0, cuda:1, cpu:0
    assert minigrad.device("cuda") != minigrad.device("cuda", 0)  # as torch: no index != 0


def test_device_keyword_names_and_copies():
    d = minigrad.device(type="cuda", index=2)
    assert d == "cuda:2" and minigrad.device(d) is d
    assert minigrad.device(minigrad.device("cuda"), 1) == "cuda:1"
    import copy
    import pickle
    assert repr(copy.deepcopy(d)) == repr(pickle.loads(pickle.dumps(d))) == repr(d)
    assert type(str(d)) is str and d.type == "cuda" and type(d.type) is str


def test_a_device_equals_and_hashes_like_its_name():
    assert minigrad.device("cuda", 1) == "cuda:1" and "cpu" == minigrad.device("cpu")
    assert {"cuda:1": "found"}[minigrad.device("cuda", 1)] == "found"
    assert minigrad.device("cuda:1") != "cuda"


@pytest.mark.parametrize("args, message", [
    (("tpu",), "unknown device 'tpu': expected 'cpu', 'cuda' or 'cuda:N'"),
    (("gpu:0",), "unknown device 'gpu:0'"),
    (("cuda:x",), "unknown device 'cuda:x'"),
    (("cuda:-1",), "unknown device 'cuda:-1'"),
    (("cuda", -1), "unknown device index -1: it must be an integer >= 0"),
    (("cuda", 1.0), "unknown device index 1.0"),
    (("cuda", True), "unknown device index True"),
    (("cuda:1", 1), "the name already has an index"),
])
def test_bad_devices_are_refused_saying_what_is_allowed(args, message):
    with pytest.raises(ValueError) as info:
        minigrad.device(*args)
    assert message in str(info.value)


def test_a_device_is_made_from_a_name_only():
    with pytest.raises(TypeError, match=r"device\(\) takes a device name such as 'cuda:0', "
                                        r"got 0 \(int\)"):
        minigrad.device(0)
    with pytest.raises(TypeError, match="a device must be a minigrad.device or a name"):
        backend.parse_device(3)


# --------------------------------------------------------------------------- Tensor.device
def test_tensor_device_equals_the_device_and_its_name():
    x = minigrad.zeros(2)
    assert x.device == minigrad.device("cpu") and x.device == "cpu"
    assert repr(x.device) == "device(type='cpu')"
    assert x.device.type == "cpu" and x.device.index is None


def test_tensor_device_matches_torch(torch):
    ours, theirs = minigrad.zeros(2).device, torch.zeros(2).device
    assert (str(ours), repr(ours), ours.type, ours.index) == \
        (str(theirs), repr(theirs), theirs.type, theirs.index)


def test_parse_device_takes_devices_and_fills_in_the_index():
    assert backend.parse_device(minigrad.device("cuda")) == minigrad.device("cuda", 0)
    assert repr(backend.parse_device("cuda")) == "device(type='cuda', index=0)"
    assert backend.parse_device(minigrad.device("cpu", 0)) == minigrad.device("cpu")
    assert backend.parse_device(None) == minigrad.device("cpu")


CPU_USES = {
    "tensor": lambda d: minigrad.tensor([1.0, 2.0], device=d),
    "zeros": lambda d: minigrad.zeros(2, device=d),
    "ones": lambda d: minigrad.ones(2, 3, device=d),
    "full": lambda d: minigrad.full((2,), 7.0, device=d),
    "arange": lambda d: minigrad.arange(3, device=d),
    "rand": lambda d: minigrad.rand(2, device=d),
    "randn": lambda d: minigrad.randn(2, device=d),
    "zeros_like": lambda d: minigrad.zeros_like(minigrad.ones(2), device=d),
    "Tensor.to": lambda d: minigrad.ones(2, requires_grad=True).to(d),
    "Tensor.to(device=)": lambda d: minigrad.ones(2).to(device=d, dtype=minigrad.float64),
}


@pytest.mark.parametrize("use", CPU_USES.values(), ids=CPU_USES.keys())
@pytest.mark.parametrize("where", [minigrad.device("cpu"), minigrad.device("cpu", 0), "cpu"],
                         ids=["device", "device-with-index", "name"])
def test_a_device_goes_wherever_a_name_goes(use, where):
    assert use(where).device == "cpu"


def test_modules_move_to_a_device_object():
    model = nn.Sequential(nn.Linear(3, 2), nn.Embedding(4, 2))
    assert model.to(minigrad.device("cpu")) is model
    assert all(p.device == "cpu" for p in model.parameters())
    assert model.to(minigrad.device("cpu"), dtype=minigrad.float64) is model
    assert all(p.dtype == np.float64 for p in model.parameters())


@no_cupy
@pytest.mark.parametrize("use", [
    lambda: minigrad.zeros(2, device=minigrad.device("cuda")),
    lambda: minigrad.tensor([1.0], device=minigrad.device("cuda", 0)),
    lambda: minigrad.ones(2).to(minigrad.device("cuda:0")),
    lambda: minigrad.ones(2).cuda(minigrad.device("cuda")),
    lambda: nn.Linear(2, 2).to(minigrad.device("cuda")),
    lambda: nn.Linear(2, 2).cuda(),
], ids=["zeros", "tensor", "Tensor.to", "Tensor.cuda", "Module.to", "Module.cuda"])
def test_cuda_device_objects_without_cupy_say_what_to_install(use):
    with pytest.raises(RuntimeError, match="needs CuPy.*pip install cupy-cuda12x"):
        use()


# --------------------------------------------------------------------------- minigrad.cuda
@no_cupy
def test_cuda_questions_without_cupy():
    assert minigrad.cuda.is_available() is False and minigrad.cuda.device_count() == 0
    assert minigrad.accelerator.is_available() is False
    assert minigrad.accelerator.device_count() == 0
    assert minigrad.accelerator.current_accelerator() is None


@no_gpu
def test_no_accelerator_without_a_gpu_like_torch_on_a_cpu_build(torch):
    if torch.cuda.is_available():
        pytest.skip("this torch sees a GPU")
    assert minigrad.cuda.is_available() is torch.cuda.is_available() is False
    assert minigrad.cuda.device_count() == torch.cuda.device_count() == 0
    assert minigrad.accelerator.current_accelerator() is \
        torch.accelerator.current_accelerator() is None


@pytest.mark.parametrize("seed", [minigrad.cuda.manual_seed, minigrad.cuda.manual_seed_all])
def test_cuda_seeding_seeds_minigrads_generator(seed):
    minigrad.manual_seed(5)
    expected = minigrad.randn(4).numpy()
    minigrad.manual_seed(6)
    assert seed(5) is None
    np.testing.assert_array_equal(minigrad.randn(4).numpy(), expected)
    with pytest.raises(ValueError, match="non-negative integer"):
        seed(-1)


def test_the_usual_seeding_boilerplate_runs(torch):
    def set_seed(lib, seed):
        lib.manual_seed(seed)
        lib.cuda.manual_seed_all(seed)
        lib.backends.cudnn.deterministic = True
        lib.backends.cudnn.benchmark = False

    for lib in (torch, minigrad):
        set_seed(lib, 0)
    minigrad.backends.cudnn.deterministic = False  # put back what the module says
    assert minigrad.backends.cudnn.is_available() is False


def test_mps_is_never_available(torch):
    assert minigrad.backends.mps.is_available() is False is torch.backends.mps.is_available()
    assert minigrad.backends.mps.is_built() is False


def test_the_tutorial_device_line_picks_the_cpu_here(torch):
    def pick(lib):
        return lib.device("cuda" if lib.cuda.is_available()
                          else "mps" if lib.backends.mps.is_available() else "cpu")

    if torch.cuda.is_available() or minigrad.cuda.is_available():
        pytest.skip("a GPU is available here")
    ours, theirs = pick(minigrad), pick(torch)
    assert str(ours) == str(theirs) == "cpu"
    model = nn.Linear(3, 2).to(ours)
    out = model(minigrad.randn(4, 3).to(ours))
    assert out.device == ours


# --------------------------------------------------------------------------- default device
def test_default_device_is_the_cpu_like_torch(torch):
    assert repr(minigrad.get_default_device()) == repr(torch.get_default_device()) \
        == "device(type='cpu')"


def test_set_default_device_is_used_when_no_device_is_given(monkeypatch):
    moved = []
    real = backend.to_device

    def spy(array, device):
        moved.append(device)
        return real(array, "cpu")  # where the array would go, recorded; kept on the CPU

    monkeypatch.setattr(backend, "to_device", spy)
    minigrad.set_default_device("cuda:1")
    assert minigrad.get_default_device() == minigrad.device("cuda", 1)
    for make in (lambda: minigrad.zeros(2), lambda: minigrad.randn(2),
                 lambda: minigrad.tensor([1.0]), lambda: minigrad.arange(3),
                 lambda: nn.Linear(2, 2)):
        moved.clear()
        make()
        assert moved and moved[0] == "cuda:1"  # where it was made (init then fills it there)
    moved.clear()
    minigrad.zeros(2, device="cpu")
    assert moved == ["cpu"]


def test_set_default_device_names_the_index_and_resets():
    minigrad.set_default_device(minigrad.device("cuda"))
    assert repr(minigrad.get_default_device()) == "device(type='cuda', index=0)"
    minigrad.set_default_device(None)
    assert minigrad.get_default_device() == "cpu" and minigrad.zeros(1).device == "cpu"
    minigrad.set_default_device("cpu")
    assert minigrad.get_default_device() == minigrad.device("cpu")


def test_set_default_device_refuses_unknown_devices():
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        minigrad.set_default_device("tpu")
    assert minigrad.get_default_device() == "cpu"


@no_cupy
def test_default_cuda_without_cupy_fails_when_a_tensor_is_made():
    minigrad.set_default_device("cuda")  # naming it is fine
    with pytest.raises(RuntimeError, match="needs CuPy"):
        minigrad.zeros(2)


# --------------------------------------------------------------------------- no CuPy import
FAKE_CUPY = "import sys\nsys.stderr.write('CUPY IMPORTED\\n')\n"


def run_with_fake_cupy(tmp_path, code):
    """Run ``code`` where ``import cupy`` finds a stand-in that says it was imported."""
    (tmp_path / "cupy").mkdir()
    (tmp_path / "cupy" / "__init__.py").write_text(FAKE_CUPY)
    env = {"PYTHONPATH": str(tmp_path), "OPENBLAS_NUM_THREADS": "1",
           "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=env)


def test_naming_devices_and_seeding_import_no_cupy(tmp_path):
    code = ("import minigrad\n"
            "minigrad.device('cuda'); minigrad.device('cuda', 1); str(minigrad.device('cuda:1'))\n"
            "minigrad.cuda.manual_seed(0); minigrad.cuda.manual_seed_all(0)\n"
            "minigrad.backends.mps.is_available(); minigrad.backends.cudnn.benchmark = False\n"
            "minigrad.set_default_device('cuda'); minigrad.get_default_device()\n"
            "minigrad.set_default_device('cpu'); minigrad.zeros(2).to(minigrad.device('cpu'))\n"
            "print('done')\n")
    completed = run_with_fake_cupy(tmp_path, code)
    assert completed.returncode == 0, completed.stderr
    assert "done" in completed.stdout and "CUPY IMPORTED" not in completed.stderr


def test_the_cli_help_imports_no_cupy(tmp_path):
    code = ("from minigrad.cli.main import main\n"
            "try:\n"
            "    main(['--help'], prog_name='minigrad')\n"
            "except SystemExit:\n"
            "    pass\n")
    completed = run_with_fake_cupy(tmp_path, code)
    assert completed.returncode == 0, completed.stderr
    assert "Usage: minigrad" in completed.stdout and "CUPY IMPORTED" not in completed.stderr


def test_asking_about_the_gpu_does_import_cupy(tmp_path):
    """The probe above can fail: asking whether CUDA is there is what imports CuPy."""
    completed = run_with_fake_cupy(tmp_path, "import minigrad\n"
                                             "print(minigrad.cuda.is_available())\n")
    assert completed.returncode == 0, completed.stderr
    assert "CUPY IMPORTED" in completed.stderr and completed.stdout.strip() == "False"


# --------------------------------------------------------------------------- on a GPU
@pytest.mark.gpu
def test_gpu_devices_and_questions():
    assert minigrad.cuda.is_available() and minigrad.cuda.device_count() >= 1
    assert minigrad.accelerator.current_accelerator() == minigrad.device("cuda")
    x = minigrad.ones(2).to(minigrad.device("cuda"))
    assert x.device == minigrad.device("cuda", 0) == "cuda:0"
    assert x.device.type == "cuda" and x.device.index == 0
    assert repr(x.device) == "device(type='cuda', index=0)"
    assert x.cuda(minigrad.device("cuda:0")).device == "cuda:0"


@pytest.mark.gpu
def test_gpu_default_device_and_modules():
    minigrad.set_default_device("cuda")
    assert minigrad.zeros(2).device == "cuda:0" and minigrad.tensor([1.0]).device == "cuda:0"
    lin = nn.Linear(3, 2)
    assert lin.weight.device == "cuda:0"
    minigrad.set_default_device("cpu")
    lin.cpu()
    assert lin.weight.device == "cpu"
    assert lin.cuda().weight.device == "cuda:0"
    assert lin.to(minigrad.device("cpu")).weight.device == "cpu"
