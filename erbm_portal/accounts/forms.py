from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField("Adresse électronique", validators=[DataRequired("Saisissez votre adresse électronique."),
                                                           Length(max=254)])
    password = PasswordField("Mot de passe", validators=[DataRequired("Saisissez votre mot de passe."),
                                                         Length(max=256)])
    next = HiddenField()
    submit = SubmitField("Se connecter")


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Mot de passe actuel", validators=[DataRequired("Saisissez votre mot de passe actuel.")])
    new = PasswordField("Nouveau mot de passe", validators=[
        DataRequired("Saisissez un nouveau mot de passe."),
        Length(min=12, max=256, message="Le mot de passe doit comporter entre 12 et 256 caractères."),
    ])
    confirm = PasswordField("Confirmation du nouveau mot de passe", validators=[
        DataRequired("Confirmez le nouveau mot de passe."),
        EqualTo("new", message="Les deux mots de passe ne correspondent pas."),
    ])
    submit = SubmitField("Changer le mot de passe")
