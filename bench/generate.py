"""A synthetic seeds folder `scale` times the size of the real one, for the benchmarks.

``generate(seeds_dir, out_dir, scale)`` copies the real seeds (documents, manifest, registry,
networks) and adds synthetic schools until the folder holds ``scale`` times the seeds'
schools and agreements: 3 schools and 224 agreements per unit of scale. Each synthetic school
publishes one partner list in one of the two list shapes the parsers read: the markdown list
of document 000 (country headings, nested faculty bullets, agreements in parentheses, a
suspension note) or the TSV table of document 003 ("Bilateral/Erasmus+", "in process").

The shapes follow the seeds: partners are drawn from a shared pool with a skewed popularity,
so that a few institutions are partners of many schools (as TUM or Politecnico di Milano are);
one institution in six has faculties, named both nested under their institution and in full;
agreements carry one to three types and up to two networks; every ISO 3166 country has
institutions; a few names are in no registry (new entities, as the resolver must report).
The partner pool grows as scale^(2/3): schools multiply faster than the universities they
can partner with. Everything is drawn from one seeded generator: the same arguments give the
same bytes.

Run: ``python -m bench.generate --scale 10 --out var/bench/x10``. The synthetic documents
have no pins in sources.toml: build the folder with ``passerelle build --accept all``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pycountry

from graph.countries import country_label

SEED_SCHOOLS = 3  # the publishers of the five seed documents
SEED_AGREEMENTS = 224  # 109 in 000, 108 in 003, 7 in 004 (tests/test_build.py counts them)
SEED_INSTITUTIONS = 190  # the registry's partner institutions, roughly
COPIED_FILES = ("networks.toml", "countries.toml")

SYLLABLES = ("ba", "ca", "da", "fe", "ga", "hal", "ke", "lo", "mar", "nor", "pe", "ri", "sa",
             "tor", "va", "ven", "zel", "bri", "dun", "ost", "lin", "mor", "tes", "vik", "ul",
             "ar", "ber", "cor", "del", "fin", "gar", "hel", "kas", "lu", "mon", "nes")
INSTITUTION_PATTERNS = (
    "University of {}", "{} University of Technology", "Technical University of {}",
    "{} Institute of Technology", "Polytechnic University of {}", "{} State University",
    "Universidad Politécnica de {}", "Politecnico di {}", "Technische Universität {}",
    "École nationale supérieure d’ingénieurs de {}",
)
FACULTY_NAMES = ("Faculty of Engineering", "School of Computing", "Faculty of Science",
                 "Faculty of Electrical Engineering", "Institute of Mathematics",
                 "School of Architecture")
# Where schools are: "every engineering school in Europe", most of them in France.
SCHOOL_COUNTRIES = ("FR",) * 8 + ("DE", "IT", "ES", "BE", "CH", "PL", "PT", "NL", "SE", "CZ")
# Where partners are: every country, and these more often (the seeds' most frequent ones).
FREQUENT_COUNTRIES = ("DE", "US", "CN", "BR", "IT", "ES", "CA", "GB", "JP", "KR", "FR", "IN",
                      "TW", "SG", "MX", "RU", "TR", "PL", "BE", "AR", "CO", "LB", "MA", "TN")
# The wordings the documents use, as written; each is one vocabulary term of the parsers.
LIST_TYPES = ("Double diplôme ingénieur", "Double diplôme", "Double diplôme master",
              "Accord cadre", "Accord cadre recherche", "Accord cadre de cotutelle",
              "Cotutelle Doctorat", "Accord d’échange en Doctorat", "Doctorat", "Echange",
              "Échange")
LIST_NETWORKS = ("Erasmus+", "Erasmus +", "Athens", "Brafitec", "Arfitec", "EUList")
TABLE_CELLS = ("Bilateral", "Bilateral", "Bilateral", "Erasmus+", "Bilateral/Erasmus+",
               "Bilateral/GE3", "Bilateral/Erasmus+/GE3", "Bilateral & Erasmus+")
REPEATED_PARTNER = 0.03  # share of draws that may name a school's partner a second time
POPULARITY_EXPONENT = 0.8  # the k-th most popular institution is drawn k ** -0.8 as often
SUSPENSION_NOTE = "Les partenariats avec les universités de ce pays sont suspendus."


@dataclass
class Institution:
    id: str
    label: str
    country: str
    acronym: str | None = None
    domain: str | None = None
    faculties: list[tuple[str, str]] = field(default_factory=list)  # (id, short name)
    synthetic: bool = True


@dataclass(frozen=True)
class Summary:
    """What a generated folder holds, as designed (the build counts the same)."""

    scale: int
    schools: int
    agreements: int
    institutions: int
    faculties: int
    documents: int


def generate(seeds_dir: Path, out_dir: Path, scale: int, seed: int = 0) -> Summary:
    """Write a seeds folder `scale` times the real one into out_dir (which must not exist)."""
    if scale < 1:
        raise ValueError(f"scale must be at least 1, not {scale}")
    rng = random.Random(f"passerelle-bench-{seed}-{scale}")
    out_dir.mkdir(parents=True)
    _copy_real_seeds(seeds_dir, out_dir)
    names = _PlaceNames(rng)
    pool = [*_real_institutions(seeds_dir), *_pool(rng, names, scale)]
    schools = [_school(rng, names, n) for n in range(1, SEED_SCHOOLS * (scale - 1) + 1)]
    popularity = _popularity(rng, [*pool, *schools])
    sizes = _agreement_counts(rng, len(schools), SEED_AGREEMENTS * (scale - 1))
    writer = _Documents(rng, names, popularity)
    entries = [writer.write(out_dir, school, size)
               for school, size in zip(schools, sizes, strict=True)]
    registered = [i for i in [*pool, *schools] if i.synthetic]
    _append(out_dir / "registry.toml", "".join(_registry_entry(i) for i in registered))
    _append(out_dir / "sources.toml", "".join(entries))
    return Summary(scale=scale, schools=SEED_SCHOOLS * scale,
                   agreements=SEED_AGREEMENTS * scale, institutions=len(registered),
                   faculties=sum(len(i.faculties) for i in registered),
                   documents=5 + len(schools))


def _copy_real_seeds(seeds_dir: Path, out_dir: Path) -> None:
    manifest = tomllib.loads((seeds_dir / "sources.toml").read_text(encoding="utf-8"))
    for entry in manifest["source"]:
        shutil.copyfile(seeds_dir / entry["file"], out_dir / entry["file"])
    for name in ("sources.toml", "registry.toml", *COPIED_FILES):
        shutil.copyfile(seeds_dir / name, out_dir / name)
    (out_dir / "synthetic").mkdir()


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n# --- Synthetic entries written by bench/generate.py ---\n" + text)


def _real_institutions(seeds_dir: Path) -> list[Institution]:
    """The registry's institutions, as partners the synthetic schools share with the seeds."""
    registry = tomllib.loads((seeds_dir / "registry.toml").read_text(encoding="utf-8"))
    return [Institution(e["id"], e["label"], e["country"], synthetic=False)
            for e in registry["institution"]]


class _PlaceNames:
    """Unique invented place names ("Venmorlo"), so that no two institutions share a name."""

    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def next(self) -> str:
        while True:
            count = self.rng.choice((2, 3, 3, 4))
            name = "".join(self.rng.choice(SYLLABLES) for _ in range(count)).capitalize()
            if name not in self.used:
                self.used.add(name)
                return name


def _pool(rng: random.Random, names: _PlaceNames, scale: int) -> list[Institution]:
    """Partner institutions: scale^(2/3) times the seeds', one per country first."""
    size = round(SEED_INSTITUTIONS * scale ** (2 / 3))
    countries = sorted(c.alpha_2 for c in pycountry.countries)
    pool = []
    for number in range(size):
        if number < len(countries):
            country = countries[number]
        elif rng.random() < 0.7:
            country = rng.choice(FREQUENT_COUNTRIES)
        else:
            country = rng.choice(countries)
        pool.append(_institution(rng, names, f"inst-{number:06d}", country))
    return pool


def _institution(rng: random.Random, names: _PlaceNames, prefix: str,
                 country: str) -> Institution:
    place = names.next()
    label = rng.choice(INSTITUTION_PATTERNS).format(place)
    slug = f"{prefix}-{place.lower()}"
    acronym = "".join(w[0] for w in label.split() if w[0].isupper()) + place[:2].upper()
    institution = Institution(slug, label, country, acronym if rng.random() < 0.4 else None,
                              f"{place.lower()}.{country.lower()}")
    if rng.random() < 1 / 6:
        chosen = rng.sample(FACULTY_NAMES, rng.choice((1, 2, 2, 3)))
        institution.faculties = [(f"{slug}-f{n}", name) for n, name in enumerate(chosen)]
    return institution


def _school(rng: random.Random, names: _PlaceNames, number: int) -> Institution:
    school = _institution(rng, names, f"school-{number:05d}", rng.choice(SCHOOL_COUNTRIES))
    school.faculties = []
    return school


def _popularity(rng: random.Random,
                institutions: list[Institution]) -> tuple[list[Institution], list[float]]:
    """Institutions in a random order, with Zipf-like cumulative weights for drawing them."""
    ordered = list(institutions)
    rng.shuffle(ordered)
    total, cumulative = 0.0, []
    for rank in range(1, len(ordered) + 1):
        total += rank ** -POPULARITY_EXPONENT
        cumulative.append(total)
    return ordered, cumulative


def _agreement_counts(rng: random.Random, schools: int, total: int) -> list[int]:
    """How many agreements each school lists: 20 to 130, summing exactly to total."""
    if schools == 0:
        return []
    counts = [rng.randint(20, 130) for _ in range(schools)]
    difference, index = total - sum(counts), 0
    while difference:
        step = 1 if difference > 0 else -1
        if counts[index] + step >= 5:
            counts[index] += step
            difference -= step
        index = (index + 1) % schools
    return counts


class _Documents:
    """Writes one school's partner document and returns its manifest entry."""

    def __init__(self, rng: random.Random, names: _PlaceNames,
                 popularity: tuple[list[Institution], list[float]]):
        self.rng, self.names = rng, names
        self.ordered, self.cumulative = popularity

    def write(self, out_dir: Path, school: Institution, agreements: int) -> str:
        table = self.rng.random() < 1 / 3
        file = f"synthetic/{school.id}.{'tsv' if table else 'md'}"
        partners = self._partners(school, agreements)
        text = self._table(partners) if table else self._list(school, partners)
        (out_dir / file).write_text(text, encoding="utf-8")
        return (f'\n[[source]]\nid = "{school.id}-partners"\nfile = "{file}"\n'
                f'title = "Partners of {school.label} (synthetic)"\npublisher = "{school.id}"\n'
                f'url = "https://www.{school.domain}/international/partners"\n'
                f'language = "{"en" if table else "fr"}"\n'
                f'parser = "{"partner-table" if table else "partner-list"}"\n'
                'retrieved = "2024-10"\n')

    def _partners(self, school: Institution, agreements: int) -> list[Institution]:
        """Popular partners first; a school names a partner twice only now and then (NUS)."""
        partners, chosen = [], set()
        while len(partners) < agreements:
            (partner,) = self.rng.choices(self.ordered, cum_weights=self.cumulative)
            again = partner.id in chosen and self.rng.random() > REPEATED_PARTNER
            if partner is not school and not again:
                partners.append(partner)
                chosen.add(partner.id)
        return partners

    def _list_terms(self) -> str:
        """One to three types and up to two networks: "Double diplôme, Accord cadre et Athens"."""
        terms = [*self.rng.sample(LIST_TYPES, self.rng.choice((1, 1, 2, 2, 3))),
                 *self.rng.sample(LIST_NETWORKS, self.rng.choice((0, 0, 1, 1, 2)))]
        if len(terms) < 3:
            return ", ".join(terms)
        return ", ".join(terms[:-1]) + " et " + terms[-1]

    def _list(self, school: Institution, partners: list[Institution]) -> str:
        by_country: dict[str, list[Institution]] = {}
        for partner in partners:
            by_country.setdefault(partner.country, []).append(partner)
        lines = ["# Title: Partenariats internationaux", "",
                 f"## [Accueil](https://www.{school.domain}) > [International]"
                 f"(https://www.{school.domain}/international) > [Partenariats]"
                 f"(https://www.{school.domain}/international/partners)", "",
                 "# Nos partenariats / Our partnerships", ""]
        for country in sorted(by_country):
            name = country_label(country)
            official = pycountry.countries.get(alpha_2=country).name
            lines += [f"#### {name} / {official}" if official != name else f"#### {name}", ""]
            if self.rng.random() < 0.02:
                lines += [SUSPENSION_NOTE, ""]
            for partner in by_country[country]:
                lines += self._bullets(partner)
            lines.append("")
        return "\n".join(lines) + "\n"

    def _bullets(self, partner: Institution) -> list[str]:
        """One agreement with the partner, in one of the shapes of document 000."""
        link = f"https://www.{partner.domain}/international" if partner.domain else None
        if partner.faculties and self.rng.random() < 0.6:
            faculty_id, faculty = self.rng.choice(partner.faculties)
            shape = self.rng.random()
            if shape < 0.4:  # the faculty named in full, on its own bullet
                return [f"  * [{partner.label}, {faculty}]({link}) ({self._list_terms()})"]
            if shape < 0.7:  # the institution as a heading, its faculty under it
                return [f"  * {partner.label}", f"    * [{faculty}]({link}) ({self._list_terms()})"]
            # the institution's agreement, with its faculty as a unit of it
            return [f"  * [{partner.label}]({link}) ({self._list_terms()})", f"    * {faculty}"]
        if self.rng.random() < 0.01:  # a partner no registry knows: a new entity
            return [f"  * Institute of {self.names.next()} Studies ({self._list_terms()})"]
        acronym = f" ({partner.acronym})" if partner.acronym else ""
        name = f"[{partner.label}]({link})" if link else partner.label
        return [f"  * {name}{acronym} ({self._list_terms()})"]

    def _table(self, partners: list[Institution]) -> str:
        lines = ["", "", "Country\tUniversity name\tAgreement type"]
        for partner in sorted(partners, key=lambda p: (country_label(p.country), p.label)):
            cell = "in process" if self.rng.random() < 0.03 else self.rng.choice(TABLE_CELLS)
            name = partner.label
            if partner.faculties and self.rng.random() < 0.3:
                name = f"{partner.label}, {self.rng.choice(partner.faculties)[1]}"
            elif partner.acronym:
                name = f"{partner.label} ({partner.acronym})"
            lines.append(f"{country_label(partner.country)}\t{name}\t{cell}")
        return "\n".join(lines) + "\n"


def _registry_entry(institution: Institution) -> str:
    kind = "school" if institution.id.startswith("school-") else "university"
    acronyms = f'["{institution.acronym}"]' if institution.acronym else "[]"
    entry = (f'\n[[institution]]\nid = "{institution.id}"\nlabel = "{institution.label}"\n'
             f'country = "{institution.country}"\nkind = "{kind}"\n'
             f'domains = ["{institution.domain}"]\naliases = []\nacronyms = {acronyms}\n'
             f'website = "https://www.{institution.domain}"\n')
    for faculty_id, name in institution.faculties:
        entry += (f'\n[[faculty]]\nid = "{faculty_id}"\nlabel = "{name}, {institution.label}"\n'
                  f'parent = "{institution.id}"\ndomains = []\n'
                  f'aliases = ["{name}", "{institution.label}, {name}"]\nacronyms = []\n')
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seeds", type=Path, default=Path(__file__).parent.parent / "seeds")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(generate(args.seeds, args.out, args.scale, args.seed))


if __name__ == "__main__":
    main()
