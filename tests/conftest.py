"""Shared fixtures: one store built from the real seeds per test session (read-only, costly)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from graph.build import BuildResult, build

# Hypothesis explores new examples on every local run; CI replays a fixed set, so that a
# submission's result does not depend on the draw (CI=true is set by the CI runner).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Server fixtures (apps, clients, live servers) over the seed store, and the headless browser,
# for every test module.
pytest_plugins = ["server_fixtures", "browser"]

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory) -> BuildResult:
    """The seeds built into a throw-away store; tests must not write to it."""
    return build(SEEDS, tmp_path_factory.mktemp("seed-store") / "store")


@pytest.fixture(scope="session")
def seed_store_path(seed_build) -> Path:
    return seed_build.store
