"""How much memory the machine has free, and how to say how much something needs.

Things that could ask for more memory than there is (a run with a huge hidden size, a
checkpoint whose header declares a huge array) are checked against
``available_bytes()`` before anything is allocated, so they are refused in one line
that gives both numbers, instead of ending in a MemoryError (or in the machine
swapping for an hour).

On Linux the free memory is ``MemAvailable`` in ``/proc/meminfo``, lowered to what a
container's cgroup still allows; elsewhere it is the free physical pages that
``os.sysconf`` reports. Where neither can be read the answer is None, and nothing is
refused for lack of memory. On a CUDA device it is the GPU's free memory, as CuPy
reports it.
"""
import os

from . import backend

_CGROUP_LIMITS = (  # (limit, usage): cgroup v2, then v1
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
    ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
)


def available_bytes(device="cpu"):
    """Bytes that can still be allocated on ``device``, or None when that can't be known."""
    if backend.parse_device(device).type == "cuda":
        return _gpu_free(device)
    free = _meminfo_available()
    if free is None:
        free = _sysconf_available()
    room = _cgroup_room()
    if room is not None:
        free = room if free is None else min(free, room)
    return free


def _meminfo_available():
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # the file counts in kB
    except (OSError, ValueError, IndexError):
        pass
    return None


def _sysconf_available():
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _cgroup_room():
    """What the container's memory limit leaves (None without a limit)."""
    for limit_file, usage_file in _CGROUP_LIMITS:
        try:
            with open(limit_file) as f:
                limit = f.read().strip()
            with open(usage_file) as f:
                usage = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 2 ** 60:  # v1 writes a huge number for "none"
            return max(int(limit) - usage, 0)
        return None
    return None


def _gpu_free(device):
    cupy = backend.cupy_or_none()
    if cupy is None:
        return None
    try:
        with cupy.cuda.Device(backend.parse_device(device).index):
            free, _ = cupy.cuda.runtime.memGetInfo()
        return int(free)
    except Exception:  # no GPU after all, or a broken driver: don't guess
        return None


def describe_bytes(count):
    """``1536`` -> ``'1.5 KiB'``; past the largest unit the number grows: ``'3e+12 EiB'``."""
    units = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    value, unit = float(count), units[0]
    for unit in units:
        if value < 1024 or unit == units[-1]:
            break
        value /= 1024
    if unit == "bytes":
        return f"{int(count)} bytes"
    return f"{value:.3g} {unit}" if value < 1e6 else f"{value:.2g} {unit}"


def shortfall(needed, device="cpu"):
    """"" when ``needed`` bytes fit in what ``device`` has free (or that is unknown);
    else the phrase "about X, more than the Y this machine has available"."""
    free = available_bytes(device)
    if free is None or needed <= free:
        return ""
    where = "this machine has" if backend.parse_device(device).type == "cpu" else \
        f"{backend.parse_device(device)} has"
    return f"about {describe_bytes(needed)}, more than the {describe_bytes(free)} {where} available"
