"""Admin forms: validation and the small conversions a person should not have to think about."""

import logging
import re
import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .letters.doc_numbers import split_doc_number
from .letters.reader import NotALetter, read_letter
from .letters.sources import SUFFIXES, UnreadableFile, file_text
from .models import Assignment, Rating, ReplyLetter, SatisfactionForm
from .services import assignment_default_due_on

logger = logging.getLogger(__name__)


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

    def run_validators(self, value):
        # Each part, as text: Django's validators would read the list's repr, in which a NUL
        # character is `\x00`, and let it through to the database (a 500 on PostgreSQL).
        for part in value:
            super().run_validators(part)


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
            "disclosure",
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


class MemberRatingForm(forms.Form):
    """The member's part of the satisfaction form (征询意见表)."""

    attitude_rating = forms.ChoiceField(
        label=_("办理态度"), choices=Rating.choices, widget=forms.RadioSelect
    )
    result_rating = forms.ChoiceField(
        label=_("办理结果"), choices=Rating.choices, widget=forms.RadioSelect
    )
    comments = forms.CharField(
        label=_("意见建议"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    signature_name = forms.CharField(
        label=_("签名"), max_length=50, help_text=_("请填写您的姓名，作为本人签名。")
    )

    def clean_comments(self):
        return self.cleaned_data["comments"].strip()

    def clean_signature_name(self):
        name = " ".join(self.cleaned_data["signature_name"].split())
        if not name:
            raise forms.ValidationError(_("请填写您的姓名。"))
        return name


# What a scan may be, told by its first bytes (never by the name or the browser's word).
SCAN_SIGNATURES = {b"%PDF-": "pdf", b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}


def scan_kind(upload) -> str | None:
    head = upload.read(8)
    upload.seek(0)
    return next((kind for magic, kind in SCAN_SIGNATURES.items() if head.startswith(magic)), None)


ONE_VALID_FORM = next(
    constraint
    for constraint in SatisfactionForm._meta.constraints
    if constraint.name == "form_one_valid_per_rater"
)


class PaperFormForm(forms.ModelForm):
    """A returned paper form typed in by staff, with its scan (PDF, PNG or JPEG)."""

    class Meta:
        model = SatisfactionForm
        fields = [
            "reply",
            "rater",
            "proposal_title_on_form",
            "attitude_rating",
            "result_rating",
            "comments",
            "signature_name",
            "signed_on",
            "scan",
        ]
        # No link to the stored file here: scans are served by a view that checks access.
        widgets = {"scan": forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"})}

    def clean(self):
        cleaned = super().clean()
        # One valid form per rater and reply: the model's constraint holds it only where
        # voided_at is null, a field this form has not, so Django leaves it to the database
        # (an IntegrityError, a 500). Said here instead, in the constraint's own words.
        reply, rater = cleaned.get("reply"), cleaned.get("rater")
        if reply and rater:
            others = SatisfactionForm.objects.valid().filter(reply=reply, rater=rater)
            if others.exclude(pk=self.instance.pk).exists():
                raise forms.ValidationError(ONE_VALID_FORM.violation_error_message, code="unique")
        return cleaned

    def clean_scan(self):
        scan = self.cleaned_data.get("scan")
        if not scan and not self.instance.pk:
            # The scan is the proof that a paper form is the member's own word.
            raise forms.ValidationError(_("请上传委员寄回的纸质表扫描件。"))
        if not scan or scan == self.initial.get("scan"):
            return scan
        limit = settings.SCAN_MAX_MB * 1024 * 1024
        if scan.size > limit:
            raise forms.ValidationError(
                _("扫描件不能超过 %(mb)s MB。") % {"mb": settings.SCAN_MAX_MB}
            )
        kind = scan_kind(scan)
        if kind is None:
            raise forms.ValidationError(_("扫描件须是 PDF、PNG 或 JPEG 文件。"))
        scan.name = f"{uuid.uuid4().hex}.{kind}"  # never the uploaded name
        return scan


class LetterFileForm(forms.Form):
    """A reply letter as a file (.txt, .md, .docx or a PDF with text), read to pre-fill the
    reply form. Nothing is saved: `letter` holds what the reader found."""

    file = forms.FileField(
        label=_("答复函文件"),
        help_text=_("支持 .txt、.md、.docx 和带文字层的 .pdf（扫描图片需先做文字识别）。"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.LETTER_FILE_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("文件不能超过 %(mb)s MB。") % {"mb": settings.LETTER_FILE_MAX_MB}
            )
        try:
            self.letter = read_letter(file_text(upload.name, upload.read()))
        except UnreadableFile as error:
            raise forms.ValidationError(str(error)) from error
        except NotALetter as why:
            raise forms.ValidationError(
                _("这份文件看起来不是答复函：%(why)s") % {"why": why}
            ) from why
        except Exception as error:  # a reader bug: the page says so instead of a 500
            logger.exception("Reading the uploaded letter %r failed", upload.name)
            raise forms.ValidationError(
                _("读取这份文件时出错，请把文件交给系统管理员。")
            ) from error
        return upload
