"""What this machine lets a run use: its cores and its memory (light to import: the command
line's defaults need it before anything else is loaded)."""
from __future__ import annotations

import math
import os
from pathlib import Path

#: The CPU quota of the process's control group (cgroup v2; a container started with
#: ``--cpus``): "max 100000" for none, else "<quota> <period>" in microseconds.
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def usable_cores(*, cpu_max: Path | None = None) -> int:
    """The cores a run may use: the process's CPU affinity where the system says (``taskset``,
    a container's CPU set), else every core, and no more than its control group's CPU quota
    (a container limited to 1.5 CPUs: 2; ``cpu_max``, default :data:`CGROUP_CPU_MAX`); at least
    one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    quota = cgroup_quota(CGROUP_CPU_MAX if cpu_max is None else cpu_max)
    return max(1, min(cores, quota) if quota is not None else cores)


def cgroup_quota(path: Path) -> int | None:
    """The control group's CPU quota in whole cores (rounded up), or None when there is none
    or it cannot be read."""
    try:
        parts = Path(path).read_text(encoding="ascii").split()
        quota, period = int(parts[0]), int(parts[1])
    except (OSError, ValueError, IndexError, UnicodeDecodeError):  # "max": no quota
        return None
    return max(1, math.ceil(quota / period)) if quota > 0 and period > 0 else None


#: The memory limit and use of the process's control group (cgroup v2; a container started
#: with ``--memory``): "max" for none, else bytes.
CGROUP_MEMORY = Path("/sys/fs/cgroup")


def available_memory(*, cgroup: Path | None = None) -> float:
    """The memory (bytes) a run may still take: what the system has available (psutil), and no
    more than what its control group's limit leaves (``memory.max`` less ``memory.current``
    under ``cgroup``, default :data:`CGROUP_MEMORY`), which psutil does not see: inside a
    container it reads the host's memory."""
    import psutil

    free = float(psutil.virtual_memory().available)
    folder = CGROUP_MEMORY if cgroup is None else Path(cgroup)
    try:
        limit = int((folder / "memory.max").read_text(encoding="ascii").strip())
        used = int((folder / "memory.current").read_text(encoding="ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError):  # "max": no limit; or no cgroup v2
        return free
    return max(0.0, min(free, float(limit - used)))
