"""Cut a query process off the network, below SPARQL: a network namespace of its own.

pyoxigraph evaluates ``SERVICE`` with its own HTTP client, and no lexical guard can follow
the SPARQL grammar closely enough to find every spelling of it (``\\u`` escapes, keywords
glued to prefixed names, ...). So the process that evaluates client queries is moved into a
new, empty network namespace before it reads its first job: it has no interface but a
loopback that is down, so every ``connect`` fails (ENETUNREACH) whatever the query says,
and a parser disagreement no longer matters.

- As root (or with CAP_SYS_ADMIN): ``unshare(CLONE_NEWNET)``.
- Otherwise: ``unshare(CLONE_NEWUSER | CLONE_NEWNET)``, a user namespace that only this
  process is in (Linux allows it unprivileged unless the distribution turned it off:
  ``kernel.unprivileged_userns_clone=0`` or ``user.max_user_namespaces=0``).
- Neither possible (not Linux, or namespaces forbidden, as in some containers): `isolate`
  raises `SandboxUnavailable`, and the server refuses to start, saying why. There is no
  silent fallback; a deployment that accepts the risk says so with
  ``PASSERELLE_QUERY_SANDBOX=off`` (the server then logs a warning at every start).

The admin's updates (``/update``) run in the server process, which holds the store open for
writing (RocksDB allows one writer), so they cannot move to a query process. They run on one
thread of their own that `deny_network_to_this_thread` has put under a seccomp filter: on
that thread (and any it starts), ``socket()`` of any family but Unix fails with EACCES, so
an update's ``LOAD <http://...>`` or ``SERVICE`` cannot connect anywhere, whatever its
spelling. The filter needs Linux 3.5+ on x86_64 or aarch64, no privilege.

Standard library only (ctypes): the query process imports this before anything else.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import socket
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


class SandboxUnavailable(OSError):
    """The process could not be put in a network namespace of its own."""


def _unshare(flags: int) -> int:
    """0, or the errno of ``unshare(flags)``."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(ctypes.c_int(flags)) == 0:
        return 0
    return ctypes.get_errno()


def isolate() -> str:
    """Move this process into a new network namespace; return how ("netns" or "userns").

    Must run before the process starts threads (a user namespace requires a single-threaded
    process). Raises SandboxUnavailable when neither way works.
    """
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(errno.ENOSYS, "network namespaces need Linux")
    first = _unshare(CLONE_NEWNET)
    if first == 0:
        return "netns"
    uid, gid = os.getuid(), os.getgid()
    second = _unshare(CLONE_NEWUSER | CLONE_NEWNET)
    if second != 0:
        raise SandboxUnavailable(second, "cannot give the query process a network namespace "
                                 f"of its own: unshare(CLONE_NEWNET): {os.strerror(first)}; "
                                 f"unshare(CLONE_NEWUSER|CLONE_NEWNET): {os.strerror(second)}")
    _map_ids(uid, gid)
    return "userns"


def _map_ids(uid: int, gid: int) -> None:
    # Keep our own user and group inside the new user namespace, so that the store's files
    # (owned by us) stay readable: without a mapping we would be "nobody".
    try:
        with open("/proc/self/setgroups", "w") as setgroups:
            setgroups.write("deny")
        with open("/proc/self/uid_map", "w") as uid_map:
            uid_map.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w") as gid_map:
            gid_map.write(f"{gid} {gid} 1")
    except OSError:
        pass  # unmapped: files readable by "others" still are; the store is read-only anyway


def disabled(environ) -> bool:
    """True when the deployment turned the sandbox off (``PASSERELLE_QUERY_SANDBOX=off``)."""
    return environ.get("PASSERELLE_QUERY_SANDBOX", "").strip().lower() == "off"


# seccomp: a classic BPF program run on each system call of the filtered thread
# (linux/seccomp.h, linux/filter.h, linux/audit.h). It reads `struct seccomp_data`:
# the call's number at offset 0, the architecture at 4, the first argument's low word at 16.
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_LOAD_WORD, _JUMP_IF_EQUAL, _JUMP_IF_AT_LEAST, _RETURN = 0x20, 0x15, 0x35, 0x06
_ALLOW, _FAIL_WITH = 0x7FFF0000, 0x00050000
_ARCHITECTURES = {  # machine -> (AUDIT_ARCH_*, the number of socket())
    "x86_64": (0xC000003E, 41),
    "aarch64": (0xC00000B7, 198),
}
_X32_CALLS = 0x40000000  # x86_64's x32 calls: the same numbers with this bit set
_IO_URING_SETUP = 425  # io_uring can open sockets without the socket() call; same everywhere


class _Instruction(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jump_true", ctypes.c_ubyte),
                ("jump_false", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("length", ctypes.c_ushort), ("instructions", ctypes.POINTER(_Instruction))]


def no_network_filter(machine: str) -> list[tuple[int, int, int, int]]:
    """The seccomp program: socket() of a family other than AF_UNIX, io_uring and calls of
    another architecture fail with EACCES; everything else is allowed."""
    architecture, socket_call = _ARCHITECTURES[machine]
    refuse = _FAIL_WITH | errno.EACCES
    return [
        (_LOAD_WORD, 0, 0, 4),
        (_JUMP_IF_EQUAL, 1, 0, architecture),
        (_RETURN, 0, 0, refuse),
        (_LOAD_WORD, 0, 0, 0),
        (_JUMP_IF_AT_LEAST, 0, 1, _X32_CALLS),
        (_RETURN, 0, 0, refuse),
        (_JUMP_IF_EQUAL, 0, 1, _IO_URING_SETUP),
        (_RETURN, 0, 0, refuse),
        (_JUMP_IF_EQUAL, 1, 0, socket_call),
        (_RETURN, 0, 0, _ALLOW),
        (_LOAD_WORD, 0, 0, 16),
        (_JUMP_IF_EQUAL, 0, 1, socket.AF_UNIX),
        (_RETURN, 0, 0, _ALLOW),
        (_RETURN, 0, 0, refuse),
    ]


def deny_network_to_this_thread() -> None:
    """Put the calling thread (and the threads it will start) under `no_network_filter`.

    Other threads of the process are untouched. Irreversible for the thread. Raises
    SandboxUnavailable where seccomp filters cannot be installed (not Linux, another
    architecture, or a container that forbids them).
    """
    machine = platform.machine()
    if not sys.platform.startswith("linux") or machine not in _ARCHITECTURES:
        raise SandboxUnavailable(errno.ENOSYS, f"no seccomp filter for {sys.platform} on "
                                 f"{machine}")
    instructions = no_network_filter(machine)
    array = (_Instruction * len(instructions))(*(_Instruction(*each) for each in instructions))
    program = _Program(len(instructions), array)
    libc = ctypes.CDLL(None, use_errno=True)
    # No new privileges (this thread only) is what lets an unprivileged process filter itself.
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
            libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) != 0:
        code = ctypes.get_errno()
        raise SandboxUnavailable(code, f"cannot install a seccomp filter: {os.strerror(code)}")
