"""The ontology and shapes parse, carry their checked header, define every term the build uses."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

from graph.rdf import NETWORK_KINDS, STATUS
from passerelle.vocabulary import AGREEMENT_TYPES, MEASURES, PAS

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
VANN = rdflib.Namespace("http://purl.org/vocab/vann/")
ONTOLOGY_IRI = rdflib.URIRef("https://w3id.org/passerelle/ontology")


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_DIR / "passerelle.ttl")


def test_header_names_title_description_version_licence_and_prefix(ontology):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    for predicate in (DCTERMS.title, DCTERMS.description, OWL.versionInfo, DCTERMS.license,
                      VANN.preferredNamespacePrefix, VANN.preferredNamespaceUri):
        assert ontology.value(ONTOLOGY_IRI, predicate) is not None, predicate
    assert str(ontology.value(ONTOLOGY_IRI, VANN.preferredNamespacePrefix)) == "pas"
    assert str(ontology.value(ONTOLOGY_IRI, VANN.preferredNamespaceUri)) == PAS


def test_required_classes_exist(ontology):
    for name in ("School", "Institution", "Faculty", "Agreement", "Programme", "Network",
                 "PublishedFigure"):
        assert (rdflib.URIRef(PAS + name), RDF.type, OWL.Class) in ontology, name
    school = rdflib.URIRef(PAS + "School")
    assert ontology.value(school, rdflib.RDFS.subClassOf) == rdflib.URIRef(PAS + "Institution")


@pytest.mark.parametrize(("scheme", "names"), [
    ("AgreementTypes", sorted(AGREEMENT_TYPES.values())),
    ("AgreementStatuses", sorted(STATUS.values())),
    ("Measures", sorted(MEASURES.values())),
    ("NetworkKinds", sorted(NETWORK_KINDS.values())),
])
def test_every_vocabulary_key_is_a_concept_of_its_scheme(ontology, scheme, names):
    for name in names:
        assert (rdflib.URIRef(PAS + name), SKOS.inScheme, rdflib.URIRef(PAS + scheme)) \
            in ontology, name


def test_the_nine_agreement_types_of_the_brief_are_there(ontology):
    # engineering double degree, master double degree, exchange, framework agreement, research
    # framework agreement, cotutelle framework, doctoral cotutelle, doctoral exchange, bilateral
    scheme = rdflib.URIRef(PAS + "AgreementTypes")
    labels = {str(o) for s in ontology.subjects(SKOS.inScheme, scheme)
              for o in ontology.objects(s, SKOS.prefLabel) if o.language == "en"}
    assert {"engineering double degree", "master double degree", "exchange",
            "framework agreement", "research framework agreement",
            "cotutelle framework agreement", "doctoral cotutelle", "doctoral exchange",
            "bilateral agreement"} <= labels


def test_property_chains_infer_partnership_and_roll_faculties_up(ontology):
    def chain(prop):
        head = ontology.value(rdflib.URIRef(PAS + prop), OWL.propertyChainAxiom)
        return [str(p).removeprefix(PAS) for p in rdflib.collection.Collection(ontology, head)]

    assert chain("hasPartner") == ["hasAgreement", "partner"]
    assert chain("hasPartnerInstitution") == ["hasAgreement", "partnerInstitution"]
    assert chain("partnerInstitution") == ["partnerFaculty", "facultyOf"]


def test_alignments_to_schema_org_org_skos_and_prov(ontology):
    used = {str(o) for p in (rdflib.RDFS.subClassOf, rdflib.RDFS.subPropertyOf)
            for o in ontology.objects(None, p)}
    for prefix in ("https://schema.org/", "http://www.w3.org/ns/org#",
                   "http://www.w3.org/2004/02/skos/core#", "http://www.w3.org/ns/prov#"):
        assert any(iri.startswith(prefix) for iri in used), prefix


def test_shapes_parse_and_target_every_main_class():
    shapes = rdflib.Graph().parse(ONTOLOGY_DIR / "shapes.ttl")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    targets = {str(o).removeprefix(PAS) for o in shapes.objects(None, sh.targetClass)}
    assert {"Institution", "Faculty", "Agreement", "Programme", "Network",
            "PublishedFigure", "Country"} <= targets
