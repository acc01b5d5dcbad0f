#!/usr/bin/env python3
"""Generate data/reference/countries.csv and data/reference/regions.csv.

Sources (all offline, bundled in the packages):
  * ISO 3166-1 codes and English names: pycountry
  * French / Spanish names: pycountry's bundled gettext catalogues (domain ``iso3166-1``)
  * UN M49 region / sub-region / intermediate-region codes and English names:
    hdx-python-country (bundled "Countries & Territories Taxonomy", ``use_live=False``)
  * French / Spanish region names: Unicode CLDR via Babel, used only where the CLDR English
    name equals the UN M49 English name (so the translation is of the same label); empty
    otherwise.

Run with the project venv:  .venv/bin/python data/reference/make_countries.py
Needs: pycountry, hdx-python-country, babel (not runtime dependencies of tripskg; the CSVs
are committed).

``m49_subregion`` in countries.csv is the UN M49 *sub-region* (e.g. 202 Sub-Saharan Africa for
Kenya, 419 Latin America and the Caribbean for Brazil). Intermediate regions (014 Eastern
Africa, 005 South America, ...) are listed in regions.csv with their sub-region as parent.

The script asserts that no name or alternative name (case- and accent-insensitive) is shared by
two countries.
"""

from __future__ import annotations

import csv
import gettext
import sys
import unicodedata
from pathlib import Path

import pycountry
from babel import Locale
from hdx.location.country import Country

HERE = Path(__file__).resolve().parent

# Hand-curated variants seen in reports / other lists. Keys: ISO alpha-3.
# Only unambiguous variants: never a bare "Congo", "Korea", "Guinea" shared by two countries.
CURATED: dict[str, list[str]] = {
    "AFG": ["Islamic Republic of Afghanistan"],
    "ARE": ["UAE"],
    "BHS": ["The Bahamas"],
    "BOL": ["Bolivia", "Bolivia (Plurinational State of)"],
    "BRN": ["Brunei"],
    "CIV": ["Cote d'Ivoire", "Ivory Coast"],
    "COD": [
        "DR Congo",
        "DRC",
        "Democratic Republic of the Congo",
        "Democratic Republic of Congo",
        "Congo, Democratic Republic of the",
        "Congo (Kinshasa)",
    ],
    "COG": ["Republic of the Congo", "Congo, Republic of", "Congo (Brazzaville)", "Congo"],
    "CPV": ["Cape Verde", "Cabo Verde"],
    "CZE": ["Czech Republic"],
    "FSM": ["Micronesia (Federated States of)", "Micronesia, Federated States of"],
    "GBR": ["UK", "Great Britain", "United Kingdom of Great Britain and Northern Ireland"],
    "GMB": ["Gambia", "The Gambia"],
    "HKG": ["Hong Kong", "Hong Kong SAR", "Hong Kong, China"],
    "IRN": ["Iran", "Iran (Islamic Republic of)"],
    "KGZ": ["Kyrgyzstan", "Kyrgyz Republic"],
    "KOR": ["Korea, Republic of", "South Korea", "Republic of Korea"],
    "PRK": ["North Korea", "Democratic People's Republic of Korea"],
    "LAO": ["Laos", "Lao PDR", "Lao People's Democratic Republic"],
    "MAC": ["Macau", "Macao", "Macao SAR", "Macao, China"],
    "MDA": ["Moldova", "Republic of Moldova", "Moldova, Republic of"],
    "MKD": ["Macedonia", "North Macedonia", "The former Yugoslav Republic of Macedonia", "FYROM"],
    "MMR": ["Burma"],
    "PSE": ["Palestine"],
    "RUS": ["Russia"],
    "SAU": ["Saudi Arabia, Kingdom of"],
    "BHR": ["Bahrain, Kingdom of"],
    "KWT": ["Kuwait, the State of"],
    "SVK": ["Slovak Republic"],
    "STP": ["Sao Tome and Principe", "São Tomé and Príncipe", "Sao Tomé and Principe"],
    "SWZ": ["Swaziland", "Eswatini"],
    "SYR": ["Syria"],
    "TLS": ["East Timor", "Timor-Leste"],
    "TUR": ["Turkey", "Türkiye", "Turkiye"],
    "TWN": ["Taiwan", "Chinese Taipei"],
    "TZA": ["Tanzania", "United Republic of Tanzania"],
    "USA": ["United States", "USA", "US", "United States of America"],
    "VAT": ["Holy See", "Vatican"],
    "VEN": [
        "Venezuela",
        "Venezuela (Bolivarian Republic of)",
        "Venezuela, Bolivarian Republic of",
    ],
    "VNM": ["Vietnam", "Viet Nam"],
}


def fold(s: str) -> str:
    """Case- and accent-insensitive key."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.replace("\u2019", "'")
    return " ".join(s.casefold().split())


def code3(v: str | None) -> str:
    return f"{int(v):03d}" if v not in (None, "") else ""


def main() -> int:
    fr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    es = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"])
    Country.countriesdata(use_live=False)

    rows = []
    regions: dict[str, dict] = {}
    seen: dict[str, str] = {}

    def add_region(code, name, parent):
        if not code:
            return
        c = code3(code)
        prev = regions.get(c)
        if prev and (prev["name_en"] != name or prev["parent_m49"] != parent):
            raise SystemExit(f"inconsistent region {c}: {prev} vs {name}/{parent}")
        regions[c] = {"m49": c, "name_en": name, "parent_m49": parent}

    for c in sorted(pycountry.countries, key=lambda x: x.alpha_3):
        info = Country.get_country_info_from_iso3(c.alpha_3, use_live=False) or {}
        reg, sub, inter = (
            info.get("Region Code"),
            info.get("Sub-region Code"),
            info.get("Intermediate Region Code"),
        )
        add_region(reg, info.get("Region Name"), "001")
        add_region(sub, info.get("Sub-region Name"), code3(reg))
        add_region(inter, info.get("Intermediate Region Name"), code3(sub))

        names = [c.name]
        for attr in ("common_name", "official_name"):
            v = getattr(c, attr, None)
            if v:
                names.append(v)
        names += CURATED.get(c.alpha_3, [])
        alt: list[str] = []
        for n in names:
            # keep accent-less spellings ("Cote d'Ivoire") as separate labels, but check
            # collisions across countries on the folded form
            k = fold(n)
            if k in seen and seen[k] != c.alpha_3:
                raise SystemExit(f"name collision: {n!r} used by {seen[k]} and {c.alpha_3}")
            seen[k] = c.alpha_3
            if n != c.name and n not in alt:
                alt.append(n)
        rows.append(
            {
                "alpha3": c.alpha_3,
                "alpha2": c.alpha_2,
                "numeric": c.numeric,
                "name_en": c.name,
                "name_fr": fr.gettext(c.name),
                "name_es": es.gettext(c.name),
                "alt_names": ";".join(alt),
                "m49_subregion": code3(sub),
            }
        )

    unknown = set(CURATED) - {r["alpha3"] for r in rows}
    assert not unknown, unknown
    assert len(rows) == 249, len(rows)

    regions["001"] = {"m49": "001", "name_en": "World", "parent_m49": ""}
    loc = {lang: Locale(lang) for lang in ("en", "fr", "es")}
    for r in regions.values():
        cldr_en = loc["en"].territories.get(r["m49"])
        same = cldr_en is not None and fold(cldr_en) == fold(r["name_en"])
        for lang in ("fr", "es"):
            v = loc[lang].territories.get(r["m49"]) if same else None
            r[f"name_{lang}"] = (v or "").replace("\u2019", "'")

    with open(HERE / "countries.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(
            f,
            fieldnames=[
                "alpha3", "alpha2", "numeric", "name_en", "name_fr", "name_es",
                "alt_names", "m49_subregion",
            ],
            lineterminator="\n",
        )
        w.writeheader()
        w.writerows(rows)
    with open(HERE / "regions.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(
            f,
            fieldnames=["m49", "name_en", "name_fr", "name_es", "parent_m49"],
            lineterminator="\n",
        )
        w.writeheader()
        w.writerows(sorted(regions.values(), key=lambda r: r["m49"]))
    print(f"countries: {len(rows)}, regions: {len(regions)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
