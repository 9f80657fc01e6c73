"""Every seeds/*.toml that cannot be read is named with its line and what the line says:
a byte that is not UTF-8 (once a UnicodeDecodeError traceback) or a TOML syntax error."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.countries import read_aliases
from graph.errors import BuildError
from graph.link.entries import read_entries
from graph.manifest import load_manifest
from graph.parse import PARSERS
from graph.registry import load_registry
from passerelle.cli import main

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def seeds(tmp_path) -> Path:
    copy = tmp_path / "seeds"
    shutil.copytree(SEEDS, copy, ignore=shutil.ignore_patterns("identifiers"))
    return copy


def damage(path: Path, old: bytes, new: bytes) -> tuple[int, bytes]:
    """Replace the first `old` with `new`: the line number (from 1) and the line it is in."""
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))
    number = data[:data.index(old)].count(b"\n") + 1
    return number, path.read_bytes().split(b"\n")[number - 1]


READERS = {
    "sources.toml": (lambda seeds: load_manifest(seeds, set(PARSERS)), "sources manifest"),
    "registry.toml": (load_registry, "registry"),
    "networks.toml": (load_registry, "networks list"),
    "countries.toml": (lambda seeds: read_aliases(seeds / "countries.toml"), "country aliases"),
}
# A value on a line of each file, hand-picked, with its line number checked below.
VALUES = {
    "sources.toml": b'title = "Partenariats internationaux"',
    "registry.toml": b'label = "Technical University of Munich"',
    "networks.toml": b'label = "Erasmus+"',
    "countries.toml": b'"Russia" = "RU"',
}


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_byte_that_is_not_utf8_is_named_with_its_line(seeds, name):
    read, what = READERS[name]
    value = VALUES[name]
    broken = value[:-3] + b"\xff" + value[-3:]
    line, text = damage(seeds / name, value, broken)
    shown = text.decode("utf-8", errors="backslashreplace")
    expected = (f"{seeds / name}:{line}: the {what} is not valid UTF-8: byte \\xff in the "
                f"line [{shown}]")
    with pytest.raises(BuildError) as caught:
        read(seeds)
    assert str(caught.value) == expected


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_toml_syntax_error_is_named_with_its_line_and_column(seeds, name):
    read, what = READERS[name]
    value = VALUES[name]
    broken = value.replace(b" = ", b" = = ", 1)
    line, text = damage(seeds / name, value, broken)
    column = text.index(b"= =") + 3  # tomllib counts from 1: the second "=" is the fault
    with pytest.raises(BuildError) as caught:
        read(seeds)
    assert str(caught.value) == (f"{seeds / name}:{line}: the {what} is not valid TOML: "
                                 f"Invalid value, column {column}, in the line "
                                 f"[{text.decode('utf-8')}]")


def test_the_lines_picked_are_the_ones_expected():
    # So that a test above names a line because it found it, not by accident.
    data = {name: (SEEDS / name).read_bytes() for name in VALUES}
    found = {name: data[name][:data[name].index(value)].count(b"\n") + 1
             for name, value in VALUES.items()}
    assert found == {"sources.toml": 19, "registry.toml": 1021, "networks.toml": 17,
                     "countries.toml": 12}


def test_the_link_command_reads_the_registry_the_same_way(seeds):
    line, _ = damage(seeds / "registry.toml", b"Munich", b"Mun\xffich")
    with pytest.raises(BuildError, match=re.escape(
            f"registry.toml:{line}: the registry is not valid UTF-8: byte \\xff in the line "
            '[label = "Technical University of Mun\\xffich"]')):
        read_entries(seeds / "registry.toml")


def test_the_build_says_it_without_a_traceback(seeds, tmp_path):
    damage(seeds / "registry.toml", b"Munich", b"Mun\xffich")
    result = CliRunner().invoke(main, ["build", "--seeds", str(seeds),
                                       "--store", str(tmp_path / "store")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and not isinstance(result.exception,
                                                               UnicodeDecodeError)
    assert (f"build failed, the store is unchanged: {seeds / 'registry.toml'}:1021: the "
            "registry is not valid UTF-8: byte \\xff in the line") in result.output
    assert not (tmp_path / "store").exists()
