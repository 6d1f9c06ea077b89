from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core.forms import VersionedForm

REQUIRED_STATEMENT = "L'exposé des motifs de l'avenant est obligatoire."


class AmendmentForm(FlaskForm):
    title = StringField("Intitulé de l'avenant",
                        validators=[DataRequired("L'intitulé de l'avenant est obligatoire."), Length(max=300)])
    statement = TextAreaField("Exposé des motifs", validators=[DataRequired(REQUIRED_STATEMENT),
                                                               Length(max=20000)])


class AmendmentEditForm(VersionedForm, AmendmentForm):
    pass


class ChangeForm(FlaskForm):
    op = RadioField("Type de modification", choices=[
        ("modify", "Modifier un article"),
        ("insert", "Insérer un nouvel article"),
        ("repeal", "Abroger un article"),
    ], validators=[DataRequired("Choisissez le type de modification.")])
    # Choices are the articles of the previous version; an article absent from them (repealed,
    # unknown) is refused by the service with a French message, not by WTForms.
    article = SelectField("Article modifié ou abrogé", validate_choice=False, validators=[Optional()])
    after = SelectField("Position de l'article inséré : après", validate_choice=False, validators=[Optional()])
    number = StringField("Numéro de l'article", validators=[Optional(), Length(max=20)])
    title = StringField("Intitulé de l'article", validators=[Optional(), Length(max=300)])
    body = TextAreaField("Nouveau texte de l'article (Markdown)", validators=[Optional(), Length(max=50000)])


class AnnexForm(FlaskForm):
    title = StringField("Intitulé de l'annexe",
                        validators=[DataRequired("L'intitulé de l'annexe est obligatoire."), Length(max=200)])
    document = FileField("Fichier (PDF, DOCX, XLSX, ODT, PNG ou JPEG)")


class SignedCopyForm(FlaskForm):
    document = FileField("Exemplaire signé numérisé (PDF, PNG ou JPEG)")


class CompareForm(FlaskForm):
    class Meta:
        csrf = False

    # Checked by the view (French messages), not by WTForms.
    de = SelectField("Version de départ", validate_choice=False)
    a = SelectField("Version d'arrivée", validate_choice=False)
