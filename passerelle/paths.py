"""Where Passerelle's own files are: the ontology, the canned queries and the seeds.

In a source checkout (and an editable install) they are the repository's top-level folders,
``ontology/``, ``queries/`` and ``seeds/``. A wheel carries copies of them inside the package,
under ``passerelle/_data/`` (pyproject.toml maps the folders there), so that an installed
``passerelle build`` and ``passerelle serve`` find them wherever the package is installed.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
INSTALLED_DATA = _PACKAGE / "_data"
DATA = INSTALLED_DATA if INSTALLED_DATA.is_dir() else _PACKAGE.parent

ONTOLOGY_DIR = DATA / "ontology"
QUERIES_DIR = DATA / "queries"
SEEDS_DIR = DATA / "seeds"
