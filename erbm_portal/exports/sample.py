"""A specimen document built on a template: lets the secretariat check its letterhead."""
from __future__ import annotations

from datetime import datetime

from .builder import PROGRAMME_NAME, DocBuilder
from .chart import bar_chart_png

SPECIMEN_DATE = datetime(2026, 1, 1, 9, 0)


def specimen(template: bytes | None = None) -> bytes:
    b = DocBuilder(template)
    b.core_properties(title="Aperçu du modèle de document", author="Secrétariat ERBM",
                      subject=PROGRAMME_NAME, created=SPECIMEN_DATE, modified=SPECIMEN_DATE)
    b.title_page("Aperçu du modèle", "Comité territorial (exemple)",
                 ["Séance du 1er janvier 2026", "Lieu : Lens"])
    b.toc()
    b.heading("Ordre du jour", 1)
    b.table(["N°", "Point", "Présentateur", "Durée"],
            [[i, f"Point d'exemple n° {i}", "Secrétariat", "15 min"] for i in range(1, 6)],
            widths=[1.2, 9.8, 4, 2])
    b.heading("Compte rendu", 1)
    b.markdown("# Point 1\n\nUn paragraphe avec du **gras**, de l'*italique* et un "
               "[lien](https://www.ecologie.gouv.fr/).\n\n- première décision\n- seconde décision\n")
    b.heading("Indicateurs", 1)
    rows = [("Logements rénovés", 530, 600), ("Emplois accompagnés", 120, 100)]
    b.heading("Logements et emplois", 2)
    b.table(["Indicateur", "Objectif", "Réalisé"], [[r[0], r[2], r[1]] for r in rows])
    b.image(bar_chart_png("Logements et emplois", rows), 16, description="Graphique d'exemple")
    return b.save()
