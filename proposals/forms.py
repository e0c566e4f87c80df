"""Admin forms: validation and the small conversions a person should not have to think about."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .letters.doc_numbers import split_doc_number
from .models import Assignment, ReplyLetter
from .services import assignment_default_due_on


class ListTextField(forms.CharField):
    """A list typed as one line, the way letters print it: 市政协提案委员会，市政府督查室。"""

    separators = re.compile(r"[,，、;；\n]+")

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "，".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part.strip(" 。.") for part in self.separators.split(text) if part.strip(" 。.")]


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["proposal", "unit", "role", "assigned_on", "due_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "due_on" in self.fields:
            self.fields["due_on"].required = False

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("assigned_on") and not cleaned.get("due_on"):
            cleaned["due_on"] = assignment_default_due_on(cleaned["assigned_on"])
        return cleaned


class ReplyLetterForm(forms.ModelForm):
    copied_to = ListTextField(
        label=_("抄送"),
        required=False,
        help_text=_("多个单位用逗号或顿号分隔。"),
        widget=forms.TextInput(attrs={"size": 60}),
    )

    class Meta:
        model = ReplyLetter
        fields = [
            "assignment",
            "round",
            "doc_number",
            "outcome_class",
            "title",
            "addressee",
            "proposal_title",
            "body",
            "signing_unit",
            "signed_on",
            "signer",
            "copied_to",
            "contact_name",
            "contact_phone",
            "is_published",
        ]
        widgets = {
            "title": forms.TextInput(attrs={"size": 60}),
            "proposal_title": forms.TextInput(attrs={"size": 60}),
            "body": forms.Textarea(attrs={"rows": 16, "cols": 80}),
        }

    def clean(self):
        cleaned = super().clean()
        assignment = cleaned.get("assignment")
        if assignment:
            # The unit is the assignment's: never chosen, so never forged.
            self.instance.unit = assignment.unit
        doc_number = (cleaned.get("doc_number") or "").strip()
        parts = split_doc_number(doc_number)
        if parts:
            # As printed, less the spaces a typist or a scan leaves: one number, one spelling.
            cleaned["doc_number"] = parts.text
        self.instance.doc_year = parts.year if parts else None
        self.instance.doc_sequence = parts.sequence if parts else None
        return cleaned
