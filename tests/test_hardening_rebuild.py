"""Rebuilding while the server runs: readers never see a half-built store, a failed build
leaves the previous store serving and says why, and two builds at once are refused clearly.

Each test runs the real `passerelle build` (a child process) against the store link a live
server follows, while a reader thread asks the server one question over and over: TU
Darmstadt's agreements. The seeds give two (000 line 19 and 003 line 56, explained in
server_fixtures.py); the "changed" seeds blank line 56 of 003 (its line numbers stay), which
leaves one. So the reader can tell which build answered every single request.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from server_fixtures import DARMSTADT_PARTNERS, running_server

from passerelle.builddir import StoreLink

ROOT = Path(__file__).resolve().parent.parent
PASSERELLE = Path(sys.executable).parent / "passerelle"
TABLE_003 = "003_6d956781d4f13613.txt"
DARMSTADT_LINE_003 = 56


class Reader:
    """Asks the live server for Darmstadt's agreements until stopped; keeps every answer."""

    def __init__(self, base: str):
        parts = urllib.parse.urlsplit(base)
        self.address = (parts.hostname, parts.port)
        self.path = "/sparql?" + urllib.parse.urlencode({"query": DARMSTADT_PARTNERS})
        self.answers: list[int | str] = []  # rows, or what went wrong
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read)

    def __enter__(self) -> Reader:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _read(self) -> None:
        connection = http.client.HTTPConnection(*self.address, timeout=30)
        while not self._stop.is_set():
            try:
                connection.request("GET", self.path)
                response = connection.getresponse()
                body = response.read()
            except OSError as exc:
                self.answers.append(repr(exc))
                connection = http.client.HTTPConnection(*self.address, timeout=30)
                continue
            if response.status != 200:
                self.answers.append(f"HTTP {response.status}: {body[:200]!r}")
            else:
                self.answers.append(len(json.loads(body)["results"]["bindings"]))

    def now(self) -> int | str:
        """The answer to a request sent after this call."""
        count = len(self.answers)
        while len(self.answers) <= count:
            time.sleep(0.01)
        return self.answers[-1]


@pytest.fixture(scope="module")
def served(seed_build, tmp_path_factory):
    """A store link first pointing at the seed build, and a live server following it."""
    folder = tmp_path_factory.mktemp("rebuild")
    link = folder / "store"
    link.symlink_to(seed_build.store.resolve())
    with running_server(link, folder / "server.log", workers=1) as base:
        yield link, base


def seeds_copy(tmp_path: Path, change=None) -> Path:
    copy = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", copy)
    if change:
        change(copy)
    return copy


def without_darmstadt_in_003(seeds: Path) -> None:
    table = seeds / TABLE_003
    lines = table.read_text(encoding="utf-8").split("\n")
    assert "Darmstadt" in lines[DARMSTADT_LINE_003 - 1]
    lines[DARMSTADT_LINE_003 - 1] = ""
    table.write_text("\n".join(lines), encoding="utf-8")


def build(seeds: Path, link: Path, *options: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([str(PASSERELLE), "build", "--seeds", str(seeds), "--store",
                             str(link), *options], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


# Blanking Darmstadt's line changes 003 and drops one agreement: both must be accepted.
ACCEPT_WITHOUT_DARMSTADT = ("--accept", "unidentified-partner-table", "--allow-shrink")


def healthz(base: str) -> dict:
    with urllib.request.urlopen(base + "/healthz", timeout=10) as response:
        return json.load(response)


def build_id(base: str) -> str:
    return healthz(base)["build_id"]


def test_a_new_build_is_served_once_published_never_half_built(served, tmp_path):
    link, base = served
    before = build_id(base)
    with Reader(base) as reader:
        assert reader.now() == 2
        finished = build(seeds_copy(tmp_path, without_darmstadt_in_003), link,
                         *ACCEPT_WITHOUT_DARMSTADT)
        out, err = finished.communicate(timeout=120)
        assert finished.returncode == 0, err
        published = os.readlink(link)
        assert reader.now() == 1  # the very next request answers from the new build
    assert build_id(base) == Path(published).name != before
    latest = healthz(base)["history"][-1]  # the build history says what was accepted
    assert (latest["build_id"], latest["agreements"], latest["forced"]) == (
        Path(published).name, 223, {"allow_shrink_lost": 1})
    assert [change["id"] for change in latest["accepted"]] == ["unidentified-partner-table"]
    # Every answer came whole from one build, the old one until the switch, then the new.
    assert set(reader.answers) == {2, 1}, [a for a in reader.answers if a not in (1, 2)]
    switch = reader.answers.index(1)
    assert set(reader.answers[switch:]) == {1}


def empty_003(seeds: Path) -> None:
    (seeds / TABLE_003).write_bytes(b"")


def invalid_ror_in_the_registry(seeds: Path) -> None:
    with open(seeds / "registry.toml", "a", encoding="utf-8") as registry:
        registry.write('\n[[institution]]\nid = "shape-breaker"\nlabel = "Shape breaker"\n'
                       'country = "FR"\nkind = "university"\ndomains = []\naliases = []\n'
                       'acronyms = []\nror = "https://ror.org/INVALID"\n')


def cut_003_at_line_56(seeds: Path) -> None:
    # At a line boundary: every line kept is whole, the parser finds nothing wrong.
    kept = (seeds / TABLE_003).read_bytes().split(b"\n")[:DARMSTADT_LINE_003]
    (seeds / TABLE_003).write_bytes(b"\n".join(kept) + b"\n")


def invalid_utf8_in_000(seeds: Path) -> None:
    path = seeds / "000_321cffa3179d9234.txt"
    path.write_bytes(path.read_bytes().replace(b"TU M\xc3\xbcnchen", b"TU M\xffnchen", 1))


def fill_the_disk_at_64_kib() -> None:
    # Run in the build process before it starts: every file it writes stops at 64 KiB,
    # with EFBIG ("File too large") as on a full disk, rather than the signal.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


@pytest.mark.parametrize("change, popen, reason", [
    (empty_003, {}, f"{TABLE_003}: document is empty"),
    (invalid_ror_in_the_registry, {},
     "<https://w3id.org/passerelle/id/institution/shape-breaker>: path "
     "<https://w3id.org/passerelle/ontology#rorId>"),
    (None, {"preexec_fn": fill_the_disk_at_64_kib}, "File too large"),
    (cut_003_at_line_56, {}, f"unidentified-partner-table ({TABLE_003}): changed, 113 -> 56 "
     "lines"),
    (invalid_utf8_in_000, {}, "the report has 1 error(s): --keep-going to publish anyway\n"
     "  telecom-paris-partnerships:20: line is not valid UTF-8"),
], ids=["bad document", "SHACL violation", "disk full", "cut document", "invalid UTF-8"])
def test_a_failed_build_says_why_and_the_previous_store_keeps_serving(
        served, tmp_path, change, popen, reason):
    link, base = served
    before, published = build_id(base), os.readlink(link)
    builds_before = set(StoreLink(link).builds_dir.iterdir())
    with Reader(base) as reader:
        answer = reader.now()
        failed = build(seeds_copy(tmp_path, change), link, **popen)
        out, err = failed.communicate(timeout=120)
        reader.now()
    assert failed.returncode == 1
    assert reason in err
    assert os.readlink(link) == published and build_id(base) == before
    assert set(reader.answers) == {answer}  # every request, answered by the old build
    assert set(StoreLink(link).builds_dir.iterdir()) == builds_before  # the failed build removed


def test_a_build_killed_mid_load_leaves_the_previous_store_serving(served, tmp_path):
    link, base = served
    before, published = build_id(base), os.readlink(link)
    builds_before = set(StoreLink(link).builds_dir.iterdir())
    with Reader(base) as reader:
        answer = reader.now()
        loading = build(seeds_copy(tmp_path, without_darmstadt_in_003), link,
                        *ACCEPT_WITHOUT_DARMSTADT)
        # The build makes its new directory right before writing the store into it.
        while not set(StoreLink(link).builds_dir.iterdir()) - builds_before:
            assert loading.poll() is None, loading.communicate()
            time.sleep(0.001)
        loading.send_signal(signal.SIGKILL)
        loading.communicate(timeout=30)
        reader.now()
    assert loading.returncode == -signal.SIGKILL
    (half_built,) = set(StoreLink(link).builds_dir.iterdir()) - builds_before
    assert not (half_built / "build.json").exists()  # killed before it was complete
    assert os.readlink(link) == published and build_id(base) == before
    assert set(reader.answers) == {answer}


def test_a_second_build_at_the_same_time_is_refused_clearly(served, tmp_path):
    link, base = served
    first = build(seeds_copy(tmp_path), link)
    lock = StoreLink(link).builds_dir / ".lock"
    while not held(lock):
        assert first.poll() is None, first.communicate()
        time.sleep(0.005)
    first.send_signal(signal.SIGSTOP)  # hold it there while the second one tries
    try:
        second = subprocess.run([str(PASSERELLE), "build", "--store", str(link)],
                                capture_output=True, text=True, timeout=120)
    finally:
        first.send_signal(signal.SIGCONT)
    out, err = first.communicate(timeout=120)
    assert second.returncode == 1
    assert "another build of this store is running" in second.stderr
    assert first.returncode == 0, err
    assert build_id(base) == Path(os.readlink(link)).name  # the first one is served


def held(lock: Path) -> bool:
    """Whether a process holds the build lock, read from /proc/locks (taking the lock to
    find out would make the build it watches fail for a moment)."""
    try:
        inode = lock.stat().st_ino
    except FileNotFoundError:
        return False
    # "1: FLOCK  ADVISORY  WRITE 1234 00:2f:5678 0 EOF": the 6th field ends with the inode.
    return any(line.split()[1] == "FLOCK" and line.split()[5].endswith(f":{inode}")
               for line in Path("/proc/locks").read_text().splitlines())
