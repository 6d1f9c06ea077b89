"""Reference data of the seed document: the twelve signing parties, the SPEL, local partners."""
from __future__ import annotations

SPELS = [("bethune", "Béthune"), ("lens", "Lens"), ("douai", "Douai"), ("valenciennes", "Valenciennes")]

# (name, short name, kind, subtype, spel slug, agreement party)
ORGANISATIONS = [
    ("Préfecture de la région Hauts-de-France", "Préfecture de région", "etat", None, None, True),
    ("Sous-préfecture de Béthune", "Sous-préfecture de Béthune", "etat", None, "bethune", False),
    ("Sous-préfecture de Lens", "Sous-préfecture de Lens", "etat", None, "lens", False),
    ("Sous-préfecture de Douai", "Sous-préfecture de Douai", "etat", None, "douai", False),
    ("Sous-préfecture de Valenciennes", "Sous-préfecture de Valenciennes", "etat", None, "valenciennes", False),
    ("Région Hauts-de-France", "Région", "region", None, None, True),
    ("Département du Nord", "Nord", "departement", None, None, True),
    ("Département du Pas-de-Calais", "Pas-de-Calais", "departement", None, None, True),
    ("Communauté d'agglomération de Béthune-Bruay, Artois Lys Romane", "CA Béthune-Bruay", "epci", None, "bethune", True),
    ("Communauté d'agglomération de Lens-Liévin", "CA Lens-Liévin", "epci", None, "lens", True),
    ("Communauté d'agglomération d'Hénin-Carvin", "CA Hénin-Carvin", "epci", None, "lens", True),
    ("Communauté d'agglomération du Douaisis", "CA du Douaisis", "epci", None, "douai", True),
    ("Communauté de communes Cœur d'Ostrevent", "CC Cœur d'Ostrevent", "epci", None, "douai", True),
    # Osartis-Marquion straddles arrondissements: attached to Douai here, editable by admins.
    ("Communauté de communes Osartis-Marquion", "CC Osartis-Marquion", "epci", None, "douai", True),
    ("Communauté d'agglomération de la Porte du Hainaut", "CA Porte du Hainaut", "epci", None, "valenciennes", True),
    ("Communauté d'agglomération Valenciennes Métropole", "Valenciennes Métropole", "epci", None, "valenciennes", True),
    ("Bailleur social des cités minières (démo)", "Bailleur des cités", "partenaire", "bailleur_social", "lens", False),
    ("PLIE de l'arrondissement de Lens (démo)", "PLIE Lens", "partenaire", "plie", "lens", False),
    ("Chantiers d'insertion du Douaisis (démo)", "SIAE Douaisis", "partenaire", "siae", "douai", False),
    ("Service public de l'emploi — agence de Valenciennes (démo)", "SPE Valenciennes", "partenaire", "spe", "valenciennes", False),
    ("Mission d'observation du bassin minier (démo)", "Observatoire", "partenaire", "autre", None, False),
]

DEPARTMENT_OF_SPEL = {
    "bethune": "Département du Pas-de-Calais",
    "lens": "Département du Pas-de-Calais",
    "douai": "Département du Nord",
    "valenciennes": "Département du Nord",
}

COMMITTEES = [
    # (slug, code, name, spel slug)
    ("copil", "COPIL", "Comité de pilotage de l'ERBM", None),
    ("spel-bethune", "BET", "Comité du SPEL de Béthune", "bethune"),
    ("spel-lens", "LENS", "Comité du SPEL de Lens", "lens"),
    ("spel-douai", "DOU", "Comité du SPEL de Douai", "douai"),
    ("spel-valenciennes", "VAL", "Comité du SPEL de Valenciennes", "valenciennes"),
]

# Fictional people. (email local part, full name, job title, organisation, role, scope)
# scope: None (platform/programme), "spel:<slug>", "committee:<slug>", "org" (own organisation).
PEOPLE = [
    ("admin", "Camille Lefebvre", "Administratrice de la plateforme", "Préfecture de la région Hauts-de-France", "admin", None),
    ("secretariat", "Julien Mercier", "Chargé de mission ERBM, SGAR", "Préfecture de la région Hauts-de-France", "secretariat", None),
    ("sous-prefet.bethune", "Hélène Dubois", "Sous-préfète de Béthune", "Sous-préfecture de Béthune", "co_chair", "spel:bethune"),
    ("conseiller.bethune", "Marc Delattre", "Conseiller régional", "Région Hauts-de-France", "co_chair", "spel:bethune"),
    ("sous-prefet.lens", "Thomas Lambert", "Sous-préfet de Lens", "Sous-préfecture de Lens", "co_chair", "spel:lens"),
    ("conseillere.lens", "Nadia Benali", "Conseillère régionale", "Région Hauts-de-France", "co_chair", "spel:lens"),
    ("sous-prefet.douai", "François Leroy", "Sous-préfet de Douai", "Sous-préfecture de Douai", "co_chair", "spel:douai"),
    ("conseillere.douai", "Sophie Carpentier", "Conseillère régionale", "Région Hauts-de-France", "co_chair", "spel:douai"),
    ("sous-prefete.valenciennes", "Isabelle Moreau", "Sous-préfète de Valenciennes", "Sous-préfecture de Valenciennes", "co_chair", "spel:valenciennes"),
    ("conseiller.valenciennes", "Olivier Dupont", "Conseiller régional", "Région Hauts-de-France", "co_chair", "spel:valenciennes"),
    ("membre.lens", "Karim Haddad", "Chargé de mission emploi", "Communauté d'agglomération de Lens-Liévin", "member", "committee:spel-lens"),
    ("partenaire", "Élodie Vasseur", "Responsable insertion", "Bailleur social des cités minières (démo)", "partner", None),
    ("observateur", "Paul Lemaire", "Chargé d'études", "Mission d'observation du bassin minier (démo)", "observer", None),
]

SIGNATORY_PEOPLE = {
    "Préfecture de la région Hauts-de-France": ("signataire.etat", "Anne Martin", "Secrétaire générale pour les affaires régionales"),
    "Région Hauts-de-France": ("signataire.region", "Bernard Petit", "Vice-président"),
    "Département du Nord": ("signataire.nord", "Claire Roussel", "Vice-présidente"),
    "Département du Pas-de-Calais": ("signataire.pas-de-calais", "Denis Fontaine", "Vice-président"),
    "Communauté d'agglomération de Béthune-Bruay, Artois Lys Romane": ("signataire.bethune-bruay", "Estelle Caron", "Vice-présidente"),
    "Communauté d'agglomération de Lens-Liévin": ("signataire.lens-lievin", "Fabrice Noël", "Vice-président"),
    "Communauté d'agglomération d'Hénin-Carvin": ("signataire.henin-carvin", "Gaëlle Robert", "Vice-présidente"),
    "Communauté d'agglomération du Douaisis": ("signataire.douaisis", "Hugo Lefèvre", "Vice-président"),
    "Communauté de communes Cœur d'Ostrevent": ("signataire.coeur-ostrevent", "Inès Bertin", "Vice-présidente"),
    "Communauté de communes Osartis-Marquion": ("signataire.osartis-marquion", "Jacques Masson", "Vice-président"),
    "Communauté d'agglomération de la Porte du Hainaut": ("signataire.porte-du-hainaut", "Karine Dumont", "Vice-présidente"),
    "Communauté d'agglomération Valenciennes Métropole": ("signataire.valenciennes-metropole", "Luc Gérard", "Vice-président"),
}

EMAIL_DOMAIN = "erbm-demo.fr"
