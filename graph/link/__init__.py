"""Link registry entries to Wikidata and ROR: propose candidates, review them, accept them.

``propose`` ranks the records of a ROR dump (offline), ``propose_online`` asks a Wikidata
SPARQL endpoint; both write a review file that a person edits, and ``accept`` merges the
accepted rows into the registry.
"""

from graph.link.accept import accept
from graph.link.offline import propose
from graph.link.online import propose_online
from graph.link.review import LinkSummary

__all__ = ["LinkSummary", "accept", "propose", "propose_online"]
