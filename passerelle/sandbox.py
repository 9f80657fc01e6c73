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

Standard library only (ctypes): the query process imports this before anything else.
"""

from __future__ import annotations

import ctypes
import errno
import os
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
