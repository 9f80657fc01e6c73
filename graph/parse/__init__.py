"""One parser per document shape; the manifest's ``parser`` field picks one by name.

Every parser has the signature ``(path: Path, source_id: str) -> ParsedDocument`` and
accounts for every line of its document in ``ParsedDocument.lines``.
"""

from __future__ import annotations

from graph.parse.key_figures import parse_key_figures
from graph.parse.partner_csv import parse_partner_csv
from graph.parse.partner_list import parse_partner_list
from graph.parse.partner_table import parse_partner_table
from graph.parse.programme_rules import parse_programme_rules
from graph.parse.prose import parse_prose

PARSERS = {
    "partner-list": parse_partner_list,
    "partner-table": parse_partner_table,
    "partner-csv": parse_partner_csv,
    "prose": parse_prose,
    "key-figures": parse_key_figures,
    "programme-rules": parse_programme_rules,
}
