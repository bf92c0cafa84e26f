"""How many threads NumPy's BLAS uses, read and set while the program runs.

    >>> from minigrad import threads
    >>> with threads.blas_threads(2):      # two threads inside, the old count after
    ...     pass
    >>> threads.describe()                 # doctest: +SKIP
    'OpenBLAS 0.3.31 (libscipy_openblas64_-32a4b2a6.so), 1 thread'

Environment variables (``OPENBLAS_NUM_THREADS`` and co.) are read once, when the BLAS
library loads; after that only the library's own functions change the count. NumPy's
wheels bundle OpenBLAS under a renamed symbol set (``scipy_openblas_set_num_threads64_``),
so this module finds the loaded library in the process's memory map and tries the names
each build uses; MKL's ``MKL_Set_Num_Threads`` is tried too. Where neither is found,
everything here is a no-op and the count reads as None ("unknown").

At import, minigrad asks for one BLAS thread unless you set the variables yourself
(``set_import_default``); that choice of yours is kept (``user_choice``), and the
per-product policy (``threadpolicy``) never overrides it. No NumPy import at module level:
the variables must be set before NumPy loads its BLAS.
"""
import contextlib
import ctypes
import glob
import os

#: The variables a user may set to choose BLAS threads; OpenBLAS also reads OMP_NUM_THREADS.
VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
#: The variables minigrad sets to 1 at import when the user set none of VARIABLES.
DEFAULTED = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

_user_choice = None  # {variable: value} the user set before minigrad was imported


def set_import_default():
    """Remember which thread variables the user set, then ask for one BLAS thread through
    those the user left unset. Called once, by ``minigrad/__init__.py``, before NumPy loads.

    Why one: a recurrent network multiplies small matrices one time step at a time, where
    threads gain little, and on a busy machine they stall each other for far longer than
    the work takes (a 50x slowdown was measured on 2 cores)."""
    global _user_choice
    if _user_choice is None:
        _user_choice = {name: os.environ[name] for name in VARIABLES if name in os.environ}
    for name in DEFAULTED:
        os.environ.setdefault(name, "1")


def user_choice():
    """``{variable: value}`` for the thread variables the user set before importing minigrad
    (empty when they set none): a choice that the thread policy must leave alone."""
    if _user_choice is None:
        return {name: os.environ[name] for name in VARIABLES if name in os.environ}
    return dict(_user_choice)


class BlasLibrary:
    """A loaded BLAS library and the two functions that read and set its thread count."""

    def __init__(self, kind, path, getter, setter, version=None):
        self.kind, self.path, self.version = kind, path, version
        self._get, self._set = getter, setter

    def get(self):
        return int(self._get())

    def set(self, n):
        self._set(int(n))

    def __repr__(self):
        return f"BlasLibrary({self.kind!r}, {os.path.basename(self.path)!r})"


def _loaded_paths():
    """Paths of the shared libraries this process has loaded (Linux: /proc/self/maps),
    then NumPy's bundled ones (other systems, or a /proc that can't be read)."""
    paths = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                parts = line.split(None, 5)  # address perms offset dev inode path
                path = parts[5].strip() if len(parts) == 6 else ""
                if path.startswith("/") and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    import numpy  # the BLAS is loaded with NumPy's linear algebra
    root = os.path.dirname(os.path.dirname(numpy.__file__))
    for folder in ("numpy.libs", os.path.join("numpy", ".dylibs")):
        paths += sorted(glob.glob(os.path.join(root, folder, "*")))
    return paths


def _symbol(library, names):
    for name in names:
        try:
            return getattr(library, name)
        except AttributeError:
            continue
    return None


def _openblas(path):
    """The thread functions of OpenBLAS at ``path``, under any of the names its builds
    use: plain, NumPy's ``scipy_`` prefix, the 64-bit-integer ``64_`` suffix."""
    library = ctypes.CDLL(path)  # already loaded: the same handle, no second copy
    names = [f"{prefix}openblas_%s_num_threads{suffix}" for prefix in ("scipy_", "")
             for suffix in ("64_", "_64_", "")]
    getter = _symbol(library, [name % "get" for name in names])
    setter = _symbol(library, [name % "set" for name in names])
    if getter is None or setter is None:
        return None
    getter.restype, getter.argtypes = ctypes.c_int, []
    setter.restype, setter.argtypes = None, [ctypes.c_int]
    config = _symbol(library, [f"{prefix}openblas_get_config{suffix}"
                               for prefix in ("scipy_", "") for suffix in ("64_", "_64_", "")])
    version = None
    if config is not None:
        config.restype, config.argtypes = ctypes.c_char_p, []
        words = config().decode(errors="replace").split()
        version = words[1] if len(words) > 1 else None
    return BlasLibrary("OpenBLAS", path, getter, setter, version)


def _mkl(path):
    library = ctypes.CDLL(path)
    getter = _symbol(library, ["MKL_Get_Max_Threads", "mkl_get_max_threads"])
    setter = _symbol(library, ["MKL_Set_Num_Threads", "mkl_set_num_threads"])
    if getter is None or setter is None:
        return None
    getter.restype, getter.argtypes = ctypes.c_int, []
    setter.restype, setter.argtypes = None, [ctypes.c_int]
    return BlasLibrary("MKL", path, getter, setter)


_NOT_LOOKED = object()
_library = _NOT_LOOKED


def find_blas():
    """NumPy's loaded BLAS as a ``BlasLibrary``, or None when no OpenBLAS or MKL with thread
    functions is found. Looked up once; libraries beside NumPy come first (another package,
    such as PyTorch, may have loaded a BLAS of its own)."""
    global _library
    if _library is not _NOT_LOOKED:
        return _library
    import numpy
    numpy_root = os.path.dirname(os.path.dirname(numpy.__file__))
    candidates = [p for p in _loaded_paths() if "openblas" in os.path.basename(p).lower()
                  or "mkl_rt" in os.path.basename(p).lower()]
    candidates.sort(key=lambda p: not p.startswith(numpy_root))
    _library = None
    for path in candidates:
        try:
            found = (_mkl if "mkl" in os.path.basename(path).lower() else _openblas)(path)
        except OSError:
            continue
        if found is not None:
            _library = found
            break
    return _library


def get_num_threads():
    """The BLAS thread count now, or None when the library is unknown."""
    library = find_blas()
    return None if library is None else library.get()


def set_num_threads(n):
    """Set the BLAS thread count to ``n`` (an int >= 1); returns the count before, or None
    (and changes nothing) when the library is unknown."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"a BLAS thread count must be an integer >= 1, got {n!r}")
    library = find_blas()
    if library is None:
        return None
    before = library.get()
    if n != before:
        library.set(n)
    return before


def pin(n=1):
    """From now on this process's BLAS uses ``n`` threads, whatever the per-product policy
    would choose: what each worker of a sweep does, so that N jobs on N cores don't
    oversubscribe them. The count is recorded as the user's choice (which the policy leaves
    alone) and put in the environment for any process this one starts."""
    global _user_choice
    set_num_threads(n)
    _user_choice = {name: str(n) for name in VARIABLES}
    os.environ.update(_user_choice)


@contextlib.contextmanager
def blas_threads(n):
    """Inside the block, BLAS uses ``n`` threads (None: leave the count as it is); the count
    before is restored on leaving, even when the block raises."""
    if n is None:
        yield
        return
    before = set_num_threads(n)
    try:
        yield
    finally:
        if before is not None and before != n:
            set_num_threads(before)


def describe():
    """One line for a report: which BLAS, where, and its thread count now."""
    library = find_blas()
    if library is None:
        return "BLAS unknown (no OpenBLAS or MKL thread control found)"
    count = library.get()
    version = f" {library.version}" if library.version else ""
    return (f"{library.kind}{version} ({os.path.basename(library.path)}), "
            f"{count} thread{'s' if count != 1 else ''}")


# ------------------------------------------------------------------------ the policy
#: The fewest multiply-adds (m·k·n) and the shortest side of a product that gets two
#: threads. Measured with benchmarks/bench_threads.py on a shared 2-core machine (AMD EPYC,
#: OpenBLAS 0.3.31): no product a layer of H <= 512 makes at B=32, T=100 was faster with two
#: threads in every run; the per-step products (B=32 rows) and the input projections
#: (10 columns) lost up to 100x when the second thread had to wait for a core, and even the
#: weight gradients (gH × 3200)·(3200 × H) ranged from 1.7x faster to 2x slower. So the
#: thresholds sit above all of them: two threads only for a product bigger than any of these.
TWO_THREADS_FROM = 2 ** 32
SHORTEST_SIDE = 512


def usable_cpus():
    """The CPUs this process may run on (its affinity where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _a_core_is_free(cpus):
    """Whether, over the last minute, fewer runnable threads than cores were waiting: a
    second BLAS thread on a busy machine waits for a core, and the product with it."""
    try:
        return os.getloadavg()[0] <= cpus - 1
    except (AttributeError, OSError):  # no load average here: unsure, so no
        return False


def for_product(m, k, n, respect_user=True):
    """The BLAS threads for one (m × k)·(k × n) product: 1 or 2, never slower than one
    thread as far as measured (when unsure, 1). When the user chose a thread count
    (``user_choice``) and ``respect_user``, the count now is returned, so applying it
    changes nothing."""
    if respect_user and user_choice():
        return get_num_threads() or 1
    if m * k * n < TWO_THREADS_FROM or min(m, k, n) < SHORTEST_SIDE:
        return 1
    cpus = usable_cpus()
    return 2 if cpus >= 2 and _a_core_is_free(cpus) else 1


def around_product(m, k, n):
    """A context manager giving one product of these dimensions its policy's thread count
    (``with threads.around_product(T * B, I, g * H): x @ w``); a no-op when the user chose."""
    if user_choice():
        return contextlib.nullcontext()
    return blas_threads(for_product(m, k, n, respect_user=False))
