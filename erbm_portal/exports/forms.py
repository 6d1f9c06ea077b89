from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField


class TemplateUploadForm(FlaskForm):
    document = FileField("Nouveau modèle (.docx)")


class TemplateResetForm(FlaskForm):
    pass
