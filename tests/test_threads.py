"""minigrad.threads: the BLAS thread count read and set at run time, the context manager
that restores it, and the per-product policy that respects a user's own choice."""
import subprocess
import sys

import pytest

from minigrad import threads

needs_blas = pytest.mark.skipif(threads.find_blas() is None,
                                reason="no OpenBLAS or MKL thread control found")


@needs_blas
def test_set_and_get_round_trip():
    before = threads.get_num_threads()
    try:
        assert threads.set_num_threads(2) == before
        assert threads.get_num_threads() == 2
        threads.set_num_threads(1)
        assert threads.get_num_threads() == 1
    finally:
        threads.set_num_threads(before)


@needs_blas
def test_the_context_manager_restores_the_count_even_on_an_exception():
    before = threads.get_num_threads()
    other = 2 if before != 2 else 1
    with pytest.raises(RuntimeError, match="inside"):
        with threads.blas_threads(other):
            assert threads.get_num_threads() == other
            raise RuntimeError("inside")
    assert threads.get_num_threads() == before
    with threads.blas_threads(None):  # None: leave it as it is
        assert threads.get_num_threads() == before


@needs_blas
def test_the_count_grows_at_run_time_past_what_the_variable_set_at_import():
    code = ("import minigrad; from minigrad import threads; threads.set_num_threads(2); "
            "print(threads.get_num_threads(), sorted(threads.user_choice()))")
    env = {"OPENBLAS_NUM_THREADS": "1", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=60, check=True).stdout.split(None, 1)
    assert out == ["2", "['OPENBLAS_NUM_THREADS']\n"]


def test_a_count_must_be_a_whole_number_of_at_least_one():
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="integer >= 1"):
            threads.set_num_threads(bad)


def test_without_a_blas_library_everything_is_a_no_op(monkeypatch):
    monkeypatch.setattr(threads, "_library", None)
    assert threads.get_num_threads() is None
    assert threads.set_num_threads(2) is None
    with threads.blas_threads(2):
        assert threads.get_num_threads() is None
    assert "unknown" in threads.describe()


def test_set_import_default_keeps_the_users_choice_and_defaults_the_rest(monkeypatch):
    for name in threads.VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.setattr(threads, "_user_choice", None)
    threads.set_import_default()
    assert threads.user_choice() == {"OMP_NUM_THREADS": "2"}
    import os
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1" == os.environ["MKL_NUM_THREADS"]


@pytest.fixture
def nobody_chose(monkeypatch):
    monkeypatch.setattr(threads, "_user_choice", {})


@pytest.mark.parametrize("H", [32, 128, 256, 512])
@pytest.mark.parametrize("g", [1, 3, 4])
def test_every_product_of_a_layer_up_to_h512_gets_one_thread(nobody_chose, monkeypatch, H, g):
    monkeypatch.setattr(threads, "_a_core_is_free", lambda cpus: True)
    monkeypatch.setattr(threads, "usable_cpus", lambda: 2)
    T, B, I = 100, 32, 10
    for m, k, n in [(T * B, I, g * H), (g * H, T * B, H), (B, H, g * H), (B, g * H, H),
                    (T * B, H, g * H)]:
        assert threads.for_product(m, k, n) == 1, (m, k, n)


def test_a_big_product_gets_two_threads_only_with_a_free_core(nobody_chose, monkeypatch):
    monkeypatch.setattr(threads, "usable_cpus", lambda: 2)
    monkeypatch.setattr(threads, "_a_core_is_free", lambda cpus: True)
    assert threads.for_product(2048, 2048, 2048) == 2
    monkeypatch.setattr(threads, "_a_core_is_free", lambda cpus: False)
    assert threads.for_product(2048, 2048, 2048) == 1
    monkeypatch.setattr(threads, "_a_core_is_free", lambda cpus: True)
    monkeypatch.setattr(threads, "usable_cpus", lambda: 1)
    assert threads.for_product(2048, 2048, 2048) == 1


@needs_blas
def test_the_users_choice_is_never_changed(monkeypatch):
    monkeypatch.setattr(threads, "_user_choice", {"OPENBLAS_NUM_THREADS": "1"})
    monkeypatch.setattr(threads, "usable_cpus", lambda: 2)
    monkeypatch.setattr(threads, "_a_core_is_free", lambda cpus: True)
    before = threads.get_num_threads()
    assert threads.for_product(4096, 4096, 4096) == before
    with threads.around_product(4096, 4096, 4096):
        assert threads.get_num_threads() == before


@needs_blas
def test_around_product_applies_the_policy_and_restores(nobody_chose, monkeypatch):
    monkeypatch.setattr(threads, "usable_cpus", lambda: 2)
    monkeypatch.setattr(threads, "_a_core_is_free", lambda cpus: True)
    with threads.blas_threads(1):
        with threads.around_product(4096, 4096, 4096):
            assert threads.get_num_threads() == 2
        assert threads.get_num_threads() == 1
