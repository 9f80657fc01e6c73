"""The summary nodes written apart from the working store (graph/summary_file.py) and checked
a chunk at a time (graph/validate.py): the same quads, the same verdicts."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import NamedNode, Quad, Store

from graph import summary, validate
from graph.build import SHAPES, assemble
from graph.errors import BuildError
from graph.summary_file import NodeFile

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ID = "https://w3id.org/passerelle/id/"
PAS = "https://w3id.org/passerelle/ontology#"
GRAPH = "https://w3id.org/passerelle/graph/"
SUMMARY = NamedNode(GRAPH + "summary")
OVERLAP = NamedNode(ID + "summary/overlap/estp/telecom-paris")
COUNTRY_TALLY = NamedNode(ID + "summary/tally/estp/country/de")


def test_the_seed_build_loads_the_same_quads_in_each_graph(seed_build):
    # As the build loaded them before the summary nodes went through a file (measured on
    # main at db2e34b): 12,927 quads, 3,633 of them in the summary graph.
    sizes = {g.removeprefix(GRAPH): n for g, n in seed_build.dataset.graph_sizes().items()}
    assert sizes == {"estp-international-openness": 147, "inferred": 2948, "ontology": 673,
                     "registry": 2733, "summary": 3633, "telecom-paris-key-figures": 192,
                     "telecom-paris-partnerships": 1320, "telecom-paris-study-abroad": 158,
                     "unidentified-partner-table": 1123}
    assert seed_build.triples == 12927


def test_only_the_lists_and_codes_on_the_graphs_own_nodes_stay_in_the_working_store():
    dataset = assemble(SEEDS)
    in_store = list(dataset.store.quads_for_pattern(None, None, None, SUMMARY))
    # 224 agreements with their 3 lists, 192 institutions with their country code.
    assert len(in_store) == 224 * 3 + 192
    assert not [q for q in in_store if q.subject.value.startswith(ID + "summary/")]
    assert sum(1 for _ in dataset.summary_nodes.path.open()) == 3633 - 864
    assert dataset.summary_nodes.quads == 3633 - 864
    # What the answers stage weighs before it chooses the working store or the built one.
    assert dataset.quad_count() == 12927
    assert len(dataset.quads) == 12927  # the file's nodes added in


def seed_parts(seed_build) -> tuple[Store, list[list[Quad]]]:
    """The seed build's store without its summary nodes, and the nodes' quads, a node a
    list (sorted by IRI)."""
    built = seed_build.dataset.store
    working = Store()
    working.bulk_extend(q for q in built if not q.subject.value.startswith(ID + "summary/"))
    nodes = sorted((q for q in built.quads_for_pattern(None, None, None, SUMMARY)
                    if q.subject.value.startswith(ID + "summary/")), key=str)
    return working, [list(g) for _, g in itertools.groupby(nodes, key=lambda q: q.subject)]


def in_chunks(nodes: list[list[Quad]], change=lambda quads: quads) -> NodeFile:
    """The nodes in a file checked 50 quads at a time, each node's quads changed by `change`."""
    written = NodeFile(checked=50)
    for quads in nodes:
        written.add(change(quads))
    return written


@pytest.fixture(scope="module")
def parts(seed_build):
    return seed_parts(seed_build)


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(SHAPES)


def test_the_seed_summaries_conform_checked_in_chunks(parts, shapes):
    working, nodes = parts
    written = in_chunks(nodes)
    # 2,769 quads, cut after the node that reaches 50 (52 on average).
    assert len(list(written.chunks())) == 53
    validate.check(working, shapes, written)  # raises if any chunk misses a node's types


def test_a_violation_planted_in_one_chunk_fails_the_build_naming_its_node(parts, shapes):
    working, nodes = parts
    jaccard = NamedNode(PAS + "jaccard")
    written = in_chunks(nodes, lambda quads: [q for q in quads if q.subject != OVERLAP
                                              or q.predicate != jaccard])
    with pytest.raises(BuildError) as caught:
        validate.check(working, shapes, written)
    assert str(caught.value) == (
        "the graph does not conform to the shapes (1 violations):\n"
        f"  <{OVERLAP.value}>: path <{PAS}jaccard>: breaks minCount "
        '"1"^^<http://www.w3.org/2001/XMLSchema#integer>')


def test_a_summary_pointing_to_the_wrong_kind_of_node_fails_the_build(parts, shapes):
    # sh:class reads the types of the nodes a summary points to, in the working store.
    working, nodes = parts
    tally_of, school = NamedNode(PAS + "tallyOf"), NamedNode(ID + "institution/estp")

    def to_a_school(quads):
        return [Quad(q.subject, q.predicate, school, q.graph_name)
                if q.subject == COUNTRY_TALLY and q.predicate == tally_of else q for q in quads]
    with pytest.raises(BuildError) as caught:
        validate.check(working, shapes, in_chunks(nodes, to_a_school))
    assert str(caught.value).endswith(
        f"(1 violations):\n  <{COUNTRY_TALLY.value}>: path <{PAS}tallyOf>: value "
        f"<{school.value}>: breaks class <{PAS}Country>")


def test_a_node_written_in_two_chunks_is_refused():
    written = NodeFile()
    count = NamedNode(PAS + "agreementCount")
    written.add([Quad(OVERLAP, count, NamedNode(ID + "a"), SUMMARY)])
    with pytest.raises(BuildError, match="overlap/estp/telecom-paris> is written in two"):
        written.add([Quad(OVERLAP, count, NamedNode(ID + "b"), SUMMARY)])


def test_chunks_are_cut_only_where_the_subject_changes():
    a, b, c = (NamedNode(ID + name) for name in "abc")
    quads = [Quad(s, s, s, SUMMARY) for s in (a, a, a, b, c, c)]
    sizes = [[q.subject.value[-1] for q in chunk] for chunk in summary.node_chunks(quads, 2)]
    assert sizes == [["a", "a", "a"], ["b", "c", "c"]]
