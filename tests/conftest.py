"""Shared fixtures: one store built from the real seeds per test session (read-only, costly)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.build import BuildResult, build

# Server fixtures (apps, clients, live servers) over the seed store, for every test module.
pytest_plugins = ["server_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory) -> BuildResult:
    """The seeds built into a throw-away store; tests must not write to it."""
    return build(SEEDS, tmp_path_factory.mktemp("seed-store") / "store")


@pytest.fixture(scope="session")
def seed_store_path(seed_build) -> Path:
    return seed_build.store
