"""The build benchmark's memory reading (bench/measure_build.py): the build and its answer
workers together, from /proc, since getrusage counts a child's fork as its own."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench_modules import load_bench_module

measure_build = load_bench_module("measure_build")
HOLD_MIB = 200


def test_a_child_and_its_memory_are_counted_with_the_process():
    code = f"b = bytearray({HOLD_MIB} * 1024 * 1024); import time; time.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 10
        while measure_build.rss_kib(child.pid) < HOLD_MIB * 1024:
            assert time.monotonic() < deadline, "the child never held its memory"
            time.sleep(0.05)
        assert child.pid in measure_build.family(os.getpid())
        with measure_build.TotalPeak() as total:
            time.sleep(3 * measure_build.SAMPLE_EVERY)
        own = measure_build.rss_kib(os.getpid())
        assert total.peak_kib >= own + HOLD_MIB * 1024
    finally:
        child.kill()
        child.wait(timeout=10)


def test_a_process_that_is_gone_holds_nothing():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=10)
    assert measure_build.rss_kib(child.pid) == 0
    assert child.pid not in measure_build.family(os.getpid())
