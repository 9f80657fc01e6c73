"""The controlled vocabulary of the build: agreement types, networks and figure measures.

Keys are what parsers emit; each maps to an ontology term (``pas:`` local name) used by
the RDF stage. The ontology (``ontology/passerelle.ttl``) is the authority on meaning; a
test checks that every term named here exists there.
"""

from __future__ import annotations

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

# Network, programme or label key -> id slug of its entity (id/network/<slug>).
NETWORKS = {
    "erasmus-plus": "erasmus-plus",
    "athens": "athens",
    "brafitec": "brafitec",
    "arfitec": "arfitec",
    "ge3": "ge3",
    "eulist": "eulist",
    "eur-ace": "eur-ace",
    "rics": "rics",
    "ufa": "ufa",
    "auf": "auf",
    "qualite-fle": "qualite-fle",
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
}


def without_broader(types: set[str]) -> tuple[str, ...]:
    """Drop a type when a narrower one of it is present; sorted for determinism."""
    broader = {BROADER_TYPE[t] for t in types if t in BROADER_TYPE}
    return tuple(sorted(types - broader))
