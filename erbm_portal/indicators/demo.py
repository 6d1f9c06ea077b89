"""Demo indicators: the seed document's programme figures, split across the four SPEL.

The per-SPEL split is invented for the demonstration; the sums are the seed's
figures (23 000 dwellings targeted, about 530 000 insertion hours, 586 contracts,
550 CIE in 2022, more than 5 000 RSA recipients in training, 13 000 SIAE FTE and
193 MEUR over 2018-2022, +15 % envelope vs 2017, 1.2 million inhabitants).
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from ..directory.models import Organisation, Spel
from ..extensions import db
from .models import Indicator, IndicatorValue

SPEL_ORDER = ["bethune", "lens", "douai", "valenciennes"]

# code, name, unit, target, start, end, additive, baseline, baseline label, description
CATALOGUE = [
    ("LOG", "Logements miniers rénovés", "logements", 23000, 2017, 2027, True, None, "",
     "Rénovation des cités minières : l'ambition de 23 000 logements rénovés en dix ans."),
    ("HRS", "Heures d'insertion dans les marchés de rénovation", "heures", 360000, 2017, 2027, True, 360000,
     "l'objectif initial de 360 000 heures",
     "Clauses d'insertion des marchés de réhabilitation des logements miniers (PLIE, départements, BTP, bailleurs, État)."),
    ("CTR", "Contrats d'insertion (35 cités minières)", "contrats", None, 2017, 2027, True, None, "",
     "Contrats d'insertion signés dans le cadre de la rénovation de 35 cités minières."),
    ("CIE", "Personnes en contrat initiative emploi (CIE) bassin minier", "personnes", None, 2022, 2027, True, None, "",
     "Bénéficiaires du dispositif CIE bassin minier (550 personnes en 2022)."),
    ("RSA", "Allocataires du RSA en formation", "personnes", None, 2022, 2027, True, None, "",
     "Allocataires du RSA du bassin minier entrés en formation depuis le démarrage du dispositif en juin 2022."),
    ("ETP", "Postes financés dans les SIAE", "ETP", None, 2018, 2022, True, None, "",
     "Postes (équivalents temps plein) financés au sein des structures d'insertion par l'activité économique."),
    ("EUR", "Financements des SIAE", "€", None, 2018, 2022, True, None, "",
     "Montant cumulé des financements de l'État aux SIAE du territoire."),
    ("ENV", "Enveloppe de l'État pour l'IAE (indice base 100 en 2017)", "indice", None, 2017, 2027, False, 100,
     "l'enveloppe initiale de 2017", "Évolution de l'enveloppe annuelle de l'État en faveur de l'insertion par l'activité économique."),
    ("HAB", "Habitants concernés", "habitants", None, 2017, 2027, True, None, "",
     "Population des communes du bassin minier couvertes par l'ERBM."),
]

# Actuals per SPEL (Béthune, Lens, Douai, Valenciennes) and the years over which they are spread.
ACTUALS = {
    "LOG": ((3400, 4200, 2300, 2700), range(2017, 2024)),
    "HRS": ((142000, 168000, 98000, 122000), range(2017, 2023)),
    "CTR": ((158, 187, 109, 132), range(2017, 2023)),
    "CIE": ((148, 176, 101, 125), range(2022, 2023)),
    "RSA": ((1390, 1610, 950, 1190), range(2022, 2024)),
    "ETP": ((3500, 4000, 2400, 3100), range(2018, 2023)),
    "EUR": ((52_000_000, 59_000_000, 36_000_000, 46_000_000), range(2018, 2023)),
    "HAB": ((280000, 370000, 250000, 300000), range(2017, 2018)),
}
# SPEL targets over the indicator's whole period, spread evenly over its years.
TARGETS = {
    "LOG": (6000, 7500, 4500, 5000),
    "HRS": (97000, 115000, 66000, 82000),
}
PROGRAMME_VALUES = {"ENV": {2017: 100, 2022: 115}}
SOURCES = {
    "LOG": "Bailleurs sociaux, bilan annuel de la rénovation",
    "HRS": "PLIE et facilitateurs des clauses d'insertion",
    "CTR": "PLIE et facilitateurs des clauses d'insertion",
    "CIE": "Service public de l'emploi",
    "RSA": "Départements du Nord et du Pas-de-Calais",
    "ETP": "DREETS, conventions IAE",
    "EUR": "DREETS, conventions IAE",
    "ENV": "DREETS",
    "HAB": "INSEE, recensement",
}


def spread(total: int, years) -> dict[int, int]:
    years = list(years)
    share = total // len(years)
    out = {y: share for y in years}
    out[years[-1]] += total - share * len(years)
    return out


def seed_catalogue() -> dict[str, Indicator]:
    existing = {i.code: i for i in db.session.execute(select(Indicator)).scalars()}
    for pos, (code, name, unit, target, start, end, additive, baseline, baseline_label, desc) in enumerate(CATALOGUE, 1):
        if code not in existing:
            ind = Indicator(code=code, name=name, unit=unit, programme_target=target, start_year=start, end_year=end,
                            additive=additive, baseline=baseline, baseline_label=baseline_label, description=desc,
                            position=pos)
            db.session.add(ind)
            existing[code] = ind
    db.session.flush()
    return existing


def seed_demo() -> None:
    catalogue = seed_catalogue()
    if db.session.execute(select(IndicatorValue.id).where(IndicatorValue.action_id.is_(None)).limit(1)).first():
        return
    spels = {s.slug: s for s in db.session.execute(select(Spel)).scalars()}
    secretariat = db.session.execute(
        select(Organisation).filter_by(name="Préfecture de la région Hauts-de-France")).scalar_one()
    for code, (totals, years) in ACTUALS.items():
        ind = catalogue[code]
        for slug, total, target_total in zip(SPEL_ORDER, totals, TARGETS.get(code, (None,) * 4)):
            actuals = spread(total, years)
            targets = spread(target_total, range(ind.start_year, ind.end_year + 1)) if target_total else {}
            for year in sorted(set(actuals) | set(targets)):
                db.session.add(IndicatorValue(
                    indicator=ind, spel=spels[slug], year=year,
                    target=Decimal(targets[year]) if year in targets else None,
                    actual=Decimal(actuals[year]) if year in actuals else None,
                    source=SOURCES[code], entered_by_organisation_id=secretariat.id))
    for code, by_year in PROGRAMME_VALUES.items():
        for year, actual in by_year.items():
            db.session.add(IndicatorValue(indicator=catalogue[code], spel_id=None, year=year, actual=Decimal(actual),
                                          source=SOURCES[code], entered_by_organisation_id=secretariat.id))
    db.session.flush()
