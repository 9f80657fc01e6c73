"""Passerelle's names, in one place: namespaces, graph names, the controlled vocabulary.

Everything that writes or reads the graph (the build, the server, the command line, the
bench) takes its IRIs from here, so that no module spells one of its own.

The controlled vocabulary: keys are what parsers emit; each maps to an ontology term
(``pas:`` local name) used by the RDF stage. The ontology (``ontology/passerelle.ttl``) is
the authority on meaning; a test checks that every term named here exists there. Networks
are one table: key (also the id slug of the entity, ``id/network/<key>``, and the ``id``
of its entry in ``seeds/networks.toml``) -> the wordings documents use for it.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

BASE = "https://w3id.org/passerelle/"
PAS = BASE + "ontology#"  # the ontology's terms
ID = BASE + "id/"  # entities: id/<kind>/<slug>
GRAPH = BASE + "graph/"  # named graphs: graph/<name>
DATASET = ID + "dataset"  # the dataset as a whole (VoID, service description)
INFERRED_GRAPH = GRAPH + "inferred"  # what the reasoner derived

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
RDF_TYPE = RDF + "type"
SKOS_IN_SCHEME = SKOS + "inScheme"

# The prefixes pages and the query editor show, in this order.
PREFIXES = {"pas": PAS, "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS,
            "prov": PROV, "schema": SCHEMA, "dcterms": DCTERMS}



def sparql_prefixes(*names: str) -> str:
    """PREFIX lines for the named prefixes of `PREFIXES`, one a line, for queries in code."""
    return "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in names)


# A remote store: the build's metadata, and the names a build's graphs are loaded under.
BUILD_GRAPH = "urn:passerelle:build"
METADATA = "urn:passerelle:metadata"
STAGING_PREFIX = "urn:passerelle:staging:"


def package_version(missing: str = "unknown") -> str:
    """The installed package's version (``missing`` when it is not installed)."""
    try:
        return version("passerelle")
    except PackageNotFoundError:
        return missing

# Agreement type key -> pas: concept local name (skos:Concept in pas:AgreementTypes).
AGREEMENT_TYPES = {
    "double-degree": "DoubleDegree",  # level not stated ("Double diplôme")
    "engineering-double-degree": "EngineeringDoubleDegree",
    "master-double-degree": "MasterDoubleDegree",
    "exchange": "Exchange",
    "doctoral-exchange": "DoctoralExchange",
    "framework-agreement": "FrameworkAgreement",
    "research-framework-agreement": "ResearchFrameworkAgreement",
    "cotutelle-framework": "CotutelleFrameworkAgreement",
    "doctoral-agreement": "DoctoralAgreement",  # "Doctorat" with no more detail
    "doctoral-cotutelle": "DoctoralCotutelle",
    "bilateral": "BilateralAgreement",
    "type-not-stated": "TypeNotStated",  # the source names a partner or network only
}

# Narrower type key -> broader type key, so that a row saying both keeps the precise one.
BROADER_TYPE = {
    "engineering-double-degree": "double-degree",
    "master-double-degree": "double-degree",
    "doctoral-exchange": "exchange",
    "research-framework-agreement": "framework-agreement",
    "cotutelle-framework": "framework-agreement",
    "doctoral-cotutelle": "doctoral-agreement",
}

# Network, programme or label key -> the normalised wordings documents use for it.
NETWORKS = {
    "erasmus-plus": ("erasmus+", "erasmus",  # the logo alt text of 004, "partenariats
                     "eramus+"),  # Erasmus" of 001; a typo of 004 ("ERAMUS+ Charter")
    "athens": ("athens",),
    "brafitec": ("brafitec",),
    "arfitec": ("arfitec",),
    "ge3": ("ge3", "global e3", "global engineering education exchange"),
    "eulist": ("eulist",),
    "eur-ace": ("eur-ace", "eurace"),
    "rics": ("rics",),
    "ufa": ("ufa",),
    "auf": ("auf",),
    "qualite-fle": ("qualite fle",),
}

# Published figure measure key -> pas: concept local name (skos:Concept in pas:Measures).
MEASURES = {
    "partners": "PartnerCount",
    "partner-countries": "PartnerCountryCount",
    "double-degree-programmes": "DoubleDegreeProgrammeCount",
    "double-degree-countries": "DoubleDegreeCountryCount",
    "double-degree-institutions": "DoubleDegreeInstitutionCount",
    "erasmus-partnerships": "ErasmusPartnershipCount",
    "erasmus-countries": "ErasmusCountryCount",
    "international-students-share": "InternationalStudentShare",
    "international-engineering-students-share": "InternationalEngineeringStudentShare",
    "first-job-abroad-share": "FirstJobAbroadShare",
    "international-faculty-share": "InternationalFacultyShare",
    "nationalities": "NationalityCount",
    "languages-taught": "LanguagesTaughtCount",
    "engineering-tracks-in-english": "EnglishEngineeringTrackCount",
    "specialised-masters-in-english": "EnglishSpecialisedMasterCount",
    "ip-paris-masters-in-english": "EnglishIpParisMasterCount",
    "phd-tracks-in-english": "EnglishPhdTrackCount",
    "international-campuses": "InternationalCampusCount",
    "first-agreements-year": "FirstAgreementsYear",
    "incoming-international-engineering-students": "IncomingInternationalEngineeringStudentCount",
}

# Programme condition key -> pas: concept local name (skos:Concept in pas:ConditionKinds).
CONDITION_KINDS = {
    "approval-required": "ApprovalRequired",
    "costs-borne-by-student": "CostsBorneByStudent",
    "also-requires": "AlsoRequires",
    "language-requirement": "LanguageRequirement",
}


def without_broader(types: set[str]) -> tuple[str, ...]:
    """Drop a type when a narrower one of it is present; sorted for determinism."""
    broader = {BROADER_TYPE[t] for t in types if t in BROADER_TYPE}
    return tuple(sorted(types - broader))
