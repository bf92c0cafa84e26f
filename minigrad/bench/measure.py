"""Timing and peak memory of training steps.

Time: the median of ``repeat`` timed calls after two warm-up calls. The contenders of one
benchmark row (minigrad, its plain path, PyTorch, NumPy) are called in turn, one call
each per round, so a noisy machine slows them alike rather than whichever ran last.

Memory: the peak a single step allocates above what was held before it. On the CPU that is
``tracemalloc``'s peak (NumPy reports its array buffers to it; PyTorch does not, so its
figure is not taken); on CUDA, the peak of the bytes CuPy's memory pool hands out, counted
by a memory hook while the step runs.
"""
import gc
import statistics
import time
import tracemalloc

WARMUP = 2


def interleaved_medians(steps, repeat, sync=lambda: None):
    """``{name: step}`` -> ``{name: median milliseconds}``: each step warmed up, then
    called once per round, in turn, for ``repeat`` rounds."""
    for step in steps.values():
        for _ in range(WARMUP):
            step()
    sync()
    times = {name: [] for name in steps}
    for _ in range(repeat):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            sync()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1e3 for name, values in times.items()}


def peak_bytes_cpu(step):
    """The most bytes (NumPy's and Python's) held at once during ``step()``, above what
    was held when it began."""
    gc.collect()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return max(0, peak - base)


def held_bytes_cpu(forward):
    """The bytes held after ``forward()`` while its result (and the graph behind it) is
    alive, above what was held before: what the backward pass will read."""
    gc.collect()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        result = forward()
        held, _ = tracemalloc.get_traced_memory()
        del result
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return max(0, held - base)


def peak_bytes_cuda(step):
    """The most bytes CuPy's memory pool had handed out at once during ``step()``, above
    what was in use when it began (a memory hook counts each malloc and free)."""
    import cupy
    from cupy.cuda import memory_hook

    class _Peak(memory_hook.MemoryHook):
        name = "minigrad-bench-peak"

        def __init__(self):
            self.now = self.peak = 0

        def malloc_postprocess(self, **kwargs):
            self.now += kwargs["mem_size"]
            self.peak = max(self.peak, self.now)

        def free_postprocess(self, **kwargs):
            self.now -= kwargs["mem_size"]

    cupy.cuda.Device().synchronize()
    hook = _Peak()
    with hook:
        step()
        cupy.cuda.Device().synchronize()
    return max(0, hook.peak)


def cuda_sync():
    import cupy
    return cupy.cuda.Device().synchronize
