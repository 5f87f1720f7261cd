"""What this process may use of the machine: memory it can still take, and CPUs.

Memory is the least of: the memory the system has available now (``MemAvailable``), the
room left under this process's resource limits (``RLIMIT_AS`` beyond the address space it
already maps, ``RLIMIT_DATA``), and the room left in its control group (``memory.max`` less
``memory.current``, or cgroup v1's ``memory.limit_in_bytes`` less ``memory.usage_in_bytes``).
A limit that cannot be read is no limit; on a system with none of them, nothing is known.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["available_memory", "usable_cpus"]

#: Where Linux shows the process's memory, its control groups and the system's memory.
_PROC = Path("/proc")
_CGROUP = Path("/sys/fs/cgroup")


def available_memory() -> int | None:
    """Bytes this process can still allocate, or None when nothing can be read."""
    known = [
        value
        for value in (_meminfo_available(), _rlimit_room(), _cgroup_room())
        if value is not None
    ]
    if not known:
        return _physical_memory()
    return max(0, min(known))


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity where the system has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def _read_int(path: Path) -> int | None:
    """An integer file (``max`` and unreadable files: None)."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _status_kib(path: Path, key: str) -> int | None:
    """A ``key: N kB`` line of a /proc file, in bytes."""
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        name, _, value = line.partition(":")
        parts = value.split()
        if name == key and parts and parts[0].isdigit():
            return int(parts[0]) * 1024
    return None


def _meminfo_available() -> int | None:
    return _status_kib(_PROC / "meminfo", "MemAvailable")


def _physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # not a POSIX system
        return None


def _rlimit_room() -> int | None:
    """Room left under the address-space and data limits (None: unlimited)."""
    try:
        import resource
    except ImportError:  # not a POSIX system
        return None
    rooms = []
    for limit, key in ((resource.RLIMIT_AS, "VmSize"), (resource.RLIMIT_DATA, "VmData")):
        soft, _ = resource.getrlimit(limit)
        if soft != resource.RLIM_INFINITY:
            used = _status_kib(_PROC / "self" / "status", key) or 0
            rooms.append(soft - used)
    return min(rooms) if rooms else None


def _cgroup_room() -> int | None:
    """Room left in this process's memory control group (None: no limit found)."""
    try:
        lines = (_PROC / "self" / "cgroup").read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    rooms = []
    for line in lines:
        _, controllers, group = line.split(":", 2) if line.count(":") >= 2 else ("", "", "")
        relative = group.lstrip("/")
        if controllers == "":  # cgroup v2
            pairs = [(_CGROUP / relative, "memory.max", "memory.current")]
        elif "memory" in controllers.split(","):  # cgroup v1, inside a container or not
            pairs = [
                (_CGROUP / "memory" / relative, "memory.limit_in_bytes", "memory.usage_in_bytes"),
                (_CGROUP / "memory", "memory.limit_in_bytes", "memory.usage_in_bytes"),
            ]
        else:
            continue
        for folder, limit_name, used_name in pairs:
            limit = _read_int(folder / limit_name)
            if limit is not None and limit < 2**60:  # v1 writes "no limit" as about 2**63
                rooms.append(limit - (_read_int(folder / used_name) or 0))
                break
    return min(rooms) if rooms else None
