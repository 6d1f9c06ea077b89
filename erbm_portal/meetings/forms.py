from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from .models import AGENDA_KIND_LABELS


class FrIntegerField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Saisissez un nombre entier de minutes.") from None


class FrDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Saisissez une date valide (jj/mm/aaaa).") from None


class FrTimeField(TimeField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Saisissez une heure valide (hh:mm).") from None


def _https(form, field):
    if field.data and not field.data.strip().lower().startswith("https://"):
        raise ValidationError("Le lien de visioconférence doit commencer par https://")


class MeetingForm(FlaskForm):
    title = StringField("Intitulé", validators=[DataRequired("Saisissez l'intitulé de la réunion."),
                                                Length(max=200, message="200 caractères au plus.")])
    date = FrDateField("Date", validators=[InputRequired("Saisissez la date de la réunion.")])
    start_time = FrTimeField("Heure de début (heure de Paris)", validators=[InputRequired("Saisissez l'heure de début.")])
    end_time = FrTimeField("Heure de fin (heure de Paris)", validators=[InputRequired("Saisissez l'heure de fin.")])
    place = StringField("Lieu", validators=[Optional(), Length(max=300, message="300 caractères au plus.")])
    video_url = StringField("Lien de visioconférence (facultatif)",
                            validators=[Optional(), Length(max=500, message="500 caractères au plus."), _https])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000, message="5 000 caractères au plus.")])
    version = HiddenField()
    form_token = HiddenField()

    def validate_end_time(self, field):
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError("L'heure de fin doit être postérieure à l'heure de début.")


KIND_CHOICES = [(k.value, label) for k, label in AGENDA_KIND_LABELS.items()]


class AgendaItemForm(FlaskForm):
    title = StringField("Intitulé du point", validators=[DataRequired("Saisissez l'intitulé du point."),
                                                         Length(max=200, message="200 caractères au plus.")])
    kind = SelectField("Nature", choices=KIND_CHOICES, validate_choice=False)
    duration = FrIntegerField("Durée (minutes)", validators=[
        InputRequired("Saisissez la durée en minutes."),
        NumberRange(min=1, max=480, message="La durée doit être comprise entre 1 et 480 minutes (8 heures).")])
    presenter_user_id = SelectField("Intervenant·e (personne)", validate_choice=False)
    presenter_organisation_id = SelectField("Intervenant·e (organisation)", validate_choice=False)
    notes = TextAreaField("Précisions", validators=[Optional(), Length(max=2000, message="2 000 caractères au plus.")])
    version = HiddenField()
    form_token = HiddenField()

    def set_choices(self, users, organisations):
        self.presenter_user_id.choices = [("", "— Aucune —")] + [
            (str(u.id), f"{u.full_name} ({u.organisation.display_name})") for u in users]
        self.presenter_organisation_id.choices = [("", "— Aucune —")] + [
            (str(o.id), o.display_name) for o in organisations]

    def validate_presenter_user_id(self, field):
        if field.data and not str(field.data).isdigit():
            raise ValidationError("Intervenant·e inconnu·e : choisissez une personne de la liste.")

    def validate_presenter_organisation_id(self, field):
        if field.data and not str(field.data).isdigit():
            raise ValidationError("Organisation inconnue : choisissez une organisation de la liste.")


class UploadForm(FlaskForm):
    file = FileField("Fichier (PDF, DOCX, XLSX, ODT, PNG, JPEG)")
    attachment_id = SelectField("Nouvelle version de", validate_choice=False)

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Choisissez un fichier à déposer.")
