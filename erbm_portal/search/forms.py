from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField


class SearchForm(FlaskForm):
    # Unknown choices are ignored by the view rather than refused: a search never errors.
    q = SearchField("Rechercher dans l'intranet", id="recherche-q")
    type = SelectField("Type de document", validate_choice=False, id="recherche-type")
    committee = SelectField("Instance", validate_choice=False, id="recherche-instance")
