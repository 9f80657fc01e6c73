"""The browser libraries the dashboards draw with, served from node_modules (``npm ci``).

Only the files listed here are served, from the packages `package.json` names; nothing is
fetched from a CDN. Without npm the routes answer 404 and the pages keep their tables.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory, url_for

bp = Blueprint("vendor", __name__)

ROOT = Path(__file__).resolve().parent.parent
# package -> (its folder under node_modules, the files a page may load from it)
FILES = {
    "d3-array": ("dist", ("d3-array.min.js",)),
    "d3-geo": ("dist", ("d3-geo.min.js",)),
    "topojson-client": ("dist", ("topojson-client.min.js",)),
    "world-atlas": ("", ("countries-50m.json",)),
}
# In load order: d3-geo needs d3-array's functions on the d3 global.
MAP_SCRIPTS = (("d3-array", "d3-array.min.js"), ("d3-geo", "d3-geo.min.js"),
               ("topojson-client", "topojson-client.min.js"))
COUNTRY_SHAPES = ("world-atlas", "countries-50m.json")


def _folder(package: str) -> Path:
    modules = Path(current_app.config.get("NODE_MODULES", ROOT / "node_modules"))
    return modules / package / FILES[package][0]


def available() -> bool:
    """Whether npm installed what the map needs."""
    return all((_folder(package) / name).is_file()
               for package, name in (*MAP_SCRIPTS, COUNTRY_SHAPES))


def map_assets() -> dict | None:
    """The URLs of the map's scripts and country shapes, or None without them."""
    if not available():
        return None
    return {"scripts": [url_for("vendor.file", package=p, filename=f) for p, f in MAP_SCRIPTS],
            "shapes": url_for("vendor.file", package=COUNTRY_SHAPES[0],
                              filename=COUNTRY_SHAPES[1])}


@bp.get("/vendor/<any('d3-array', 'd3-geo', 'topojson-client', 'world-atlas'):package>"
        "/<filename>")
def file(package: str, filename: str):
    if filename not in FILES[package][1]:
        abort(404)
    return send_from_directory(_folder(package), filename, max_age=86400)
