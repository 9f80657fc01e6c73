"""The HTML of a school's and an institution's `/id/` page: a dashboard, not a triple dump.

A school's page answers, one panel per question, how many partners it has and where (a world
map and a table), how they divide by agreement type, network and status, how much its list
overlaps every other school's, whether its published figures match its list, and who its
partners are. An institution's page says who lists it and how, its faculties, and its
identifiers linked out to Wikidata, ROR and Scholia. Every panel is a canned query run
through the shared path (`server.panels`), linked to that query and to its SPARQL. The
pictures are drawn in the browser by `static/dashboard.js` from the tables the server sends.
"""

from __future__ import annotations

import pycountry
from flask import url_for

from passerelle.vocabulary import ID, OWL, PAS
from server.panels import Panel, panel
from server.search import labels

INSTITUTION = ID + "institution/"
FACETS = ("type", "network", "status")
# Each facet's value narrows the `partners` query through this parameter.
FACET_FILTERS = {"type": "agreement_type", "network": "network", "status": "status"}
WIKIDATA = "http://www.wikidata.org/entity/"
SCHOLIA = "https://scholia.toolforge.org/organization/"
OWL_SAME_AS = OWL + "sameAs"
# Bars in the overlap chart; the table under it and the linked query list every school.
OVERLAP_BARS = 25


def school_view(iri: str) -> dict:
    """The panels of a school's dashboard."""
    school = iri.removeprefix(INSTITUTION)
    countries = panel("partners-by-country", school=school)
    overlap = panel("partner-overlap", school=school)
    index = labels()
    return {
        "profile": panel("school-profile", school=school),
        "countries": countries,
        "map_rows": [_map_row(row) for row in countries.rows],
        "facets": {facet: _facet(school, facet) for facet in FACETS},
        "overlap": overlap,
        "overlap_rows": [{**row, "otherLabel": index.label(row["otherSchool"]),
                          "other": row["otherSchool"].removeprefix(INSTITUTION)}
                         for row in overlap.rows],
        "overlap_bars": OVERLAP_BARS,
        "figures": panel("published-figures-check", school=school),
        "partners": panel("partners", school=school),
        "country_labels": {row["country"]: row["countryLabel"] for row in countries.rows},
        "documents": panel("documents", school=school),
        "school_id": school,
    }


def _facet(school: str, facet: str) -> Panel:
    """One facet's panel, each row linked to the school's partners with that value."""
    counted = panel("partners-by-facet", school=school, only=facet)
    for row in counted.rows:
        value = row["value"]
        given = (value.removeprefix(PAS) if facet == "type" else
                 value.rsplit("/", 1)[-1] if facet == "network" else row["valueLabel"])
        row["href"] = url_for("queries.run_query", name="partners", school=school,
                              **{FACET_FILTERS[facet]: given}) if value else ""
    return counted


def _map_row(row: dict) -> dict:
    """A partners-by-country row with what the map needs: the ISO codes of the country (the
    map's shapes are keyed by the numeric one), and the link to those partners."""
    code = row["country"].rsplit("/", 1)[-1].upper()
    country = pycountry.countries.get(alpha_2=code)
    href = url_for("queries.run_query", name="partners",
                   school=row["school"].removeprefix(INSTITUTION), country=code)
    return {**row, "code": code, "numeric": country.numeric if country else "", "href": href}


def institution_view(iri: str, facts: list[dict]) -> dict:
    """The panels of an institution's page: who lists it, and its identifiers linked out."""
    listed: Panel = panel("institution", institution=iri.removeprefix(INSTITUTION))
    return {"listed": listed, "identifiers": identifiers(facts), "about": about(facts),
            "faculties": sorted({(f["valueLabel"] or f["value"], f["value"]) for f in facts
                                 if f["property"] == PAS + "hasFaculty"})}


# What the identity panel says about an institution besides its identifiers, in this order.
ABOUT = (("Country", PAS + "country"), ("Website", "https://schema.org/url"),
         ("Acronym", PAS + "acronym"), ("Also written", "http://www.w3.org/2004/02/skos/core#altLabel"))


def about(facts: list[dict]) -> list[tuple[str, list[dict]]]:
    """The institution's country, website, acronyms and other names, from its facts."""
    return [(name, found) for name, prop in ABOUT
            if (found := [f for f in facts if f["property"] == prop])]


def identifiers(facts: list[dict]) -> list[dict]:
    """Wikidata and ROR identifiers of an entity, each with where it links out."""
    found = []
    for fact in facts:
        value = fact["value"]
        if fact["property"] == OWL_SAME_AS and value.startswith(WIKIDATA):
            qid = value.removeprefix(WIKIDATA)
            found.append({"scheme": "Wikidata", "id": qid, "links": [
                ("Wikidata", f"https://www.wikidata.org/wiki/{qid}"),
                ("Scholia", SCHOLIA + qid)]})
        elif fact["property"] == PAS + "rorId":
            found.append({"scheme": "ROR", "id": value.removeprefix("https://ror.org/"),
                          "links": [("ROR", value)]})
    return found
