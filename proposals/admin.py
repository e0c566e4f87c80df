"""The staff admin: supervisors manage everything, unit staff log their own unit's replies."""

import re
import secrets

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_field, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connections, transaction
from django.db.models import Count, F, Q
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from offices.admin_scoping import OwnUnitsFilter, RoleAdmin, RoleInlineMixin, UnitScopedAdmin
from offices.models import HandlingUnit
from offices.roles import is_supervisor, is_unit_staff, unit_ids_of

from . import caching, history, selectors, services
from .forms import AssignmentForm, LetterFileForm, PaperFormForm, ReplyLetterForm
from .models import (
    NEXT_VERSION,
    Assignment,
    Category,
    FormChannel,
    FormInvitation,
    OutcomeClass,
    OutcomeScheme,
    Proposal,
    Proposer,
    Rating,
    ReplyLetter,
    SatisfactionForm,
    Session,
)

# A proposer belongs to the units its proposals, first-named or co-signed, are assigned to.
PROPOSER_UNIT_PATHS = ("proposals__assignments__unit", "co_signed_proposals__assignments__unit")
SCAN_CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}
PROPOSAL_NUMBER = re.compile(r"^\s*第?\s*([A-Za-z]*)0*(\d+)\s*号?\s*$")


class HistoryAdmin(SimpleHistoryAdmin):
    """A record's history (proposals.history): who changed what, when and why, each field's
    old and new value, for whoever may see the record (the admin's scoping applies: another
    unit's record answers 403). Read-only: the library's revert form shows a past version
    but takes no POST (SIMPLE_HISTORY_REVERT_DISABLED hides its button, nothing more)."""

    def history_view(self, request, object_id, extra_context=None):
        self._check_key(self.opts.pk, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        self._check_key(self.opts.pk, object_id)
        self._check_key(self.model.history.model._meta.pk, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    @staticmethod
    def _check_key(field, value) -> None:
        """A malformed id in the URL is a 404, not a 500."""
        try:
            field.to_python(unquote(value))
        except ValidationError:
            raise Http404 from None


class ProposalNumberSearchMixin:
    """Search by proposal number as people type it: 10, 010, 第010号, D022."""

    proposal_path = ""  # lookup prefix from this model to Proposal, e.g. "assignment__proposal__"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = PROPOSAL_NUMBER.match(search_term)
        if match:
            prefix, number = match.groups()
            by_number = queryset.filter(
                **{
                    f"{self.proposal_path}number": int(number),
                    f"{self.proposal_path}number_prefix__iexact": prefix,
                }
            )
            results = results | by_number
        return results, may_have_duplicates


class EstimatedCountPaginator(Paginator):
    """Pages of a large table without counting the whole of it.

    COUNT(*) reads every row on PostgreSQL (some 35 ms for 200 000 replies, on each page);
    for an unfiltered list the planner's estimate (pg_class.reltuples, kept up to date by
    autovacuum) stands in for it. Filtered lists, small tables and SQLite are counted
    exactly. An estimate a little off only leaves the last page short or empty."""

    EXACT_BELOW = 10_000

    @cached_property
    def count(self) -> int:
        estimate = self._row_estimate()
        return estimate if estimate >= self.EXACT_BELOW else super().count

    def _row_estimate(self) -> int:
        """The table's estimated rows when the list is all of it, else 0 (-1 if never
        analysed)."""
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor != "postgresql" or queryset.query.where or queryset.query.distinct:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                [connection.ops.quote_name(queryset.model._meta.db_table)],
            )
            return int(cursor.fetchone()[0])


@caching.cached_reference
def cached_filter_choices() -> dict[str, list[tuple]]:
    """The reply list's filter choices from reference data (three queries, when not cached)."""
    return {
        "session": [(session.pk, str(session)) for session in Session.objects.all()],
        "unit": list(HandlingUnit.objects.values_list("pk", "name")),
        "outcome_class": [
            (outcome.pk, str(outcome), outcome.group) for outcome in OutcomeClass.objects.all()
        ],
    }


def filter_choices(request) -> dict[str, list[tuple]]:
    """The filters' choices, read from the cache once per request for all the filters."""
    if not hasattr(request, "_filter_choices"):
        request._filter_choices = cached_filter_choices()
    return request._filter_choices


class SessionFilter(admin.RelatedFieldListFilter):
    def field_choices(self, field, request, model_admin):
        return filter_choices(request)["session"]


class UnitFilter(OwnUnitsFilter):
    def all_units(self, field, request, model_admin):
        return filter_choices(request)["unit"]


class OutcomeClassFilter(admin.RelatedFieldListFilter):
    def field_choices(self, field, request, model_admin):
        return [(pk, label) for pk, label, _group in filter_choices(request)["outcome_class"]]


class OutcomeGroupFilter(admin.SimpleListFilter):
    title = _("类别字母")
    parameter_name = "group"
    outcome_path = "outcome_class"

    def lookups(self, request, model_admin):
        groups = sorted({group for _pk, _label, group in filter_choices(request)["outcome_class"]})
        return [(group, group) for group in groups]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.outcome_path}__group": self.value()})
        return queryset


class RatingFilter(admin.SimpleListFilter):
    """A rating of the forms returned for a reply, or 'no form returned'."""

    NOT_RETURNED = "none"
    field = ""

    def lookups(self, request, model_admin):
        return [*Rating.choices, (self.NOT_RETURNED, _("未回表"))]

    def queryset(self, request, queryset):
        if self.value() == self.NOT_RETURNED:
            return queryset.exclude(pk__in=SatisfactionForm.objects.valid().values("reply"))
        if self.value() in Rating.values:
            matching = SatisfactionForm.objects.valid().filter(**{self.field: self.value()})
            return queryset.filter(pk__in=matching.values("reply"))
        return queryset


class AttitudeRatingFilter(RatingFilter):
    title = _("办理态度评价")
    parameter_name = "attitude"
    field = "attitude_rating"


class ResultRatingFilter(RatingFilter):
    title = _("办理结果评价")
    parameter_name = "result"
    field = "result_rating"


class RoundFilter(admin.SimpleListFilter):
    """First replies or re-handled ones: fixed choices, where offering the rounds in use
    would read every reply to find them."""

    title = _("答复轮次")
    parameter_name = "round"

    def lookups(self, request, model_admin):
        return [("1", _("首次答复")), ("later", _("重新办理后的答复"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(round=1)
        if self.value() == "later":
            return queryset.filter(round__gt=1)
        return queryset


class AssignmentStateFilter(admin.SimpleListFilter):
    title = _("办理状态")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("replied", _("已答复")), ("pending", _("办理中")), ("overdue", _("已逾期"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "replied":
            return queryset.replied()
        if self.value() == "pending":
            return queryset.pending(today)
        if self.value() == "overdue":
            return queryset.overdue(today)
        return queryset


class TitleMismatchFilter(admin.SimpleListFilter):
    title = _("提案标题核对")
    parameter_name = "title_mismatch"

    def lookups(self, request, model_admin):
        return [("yes", _("表上标题与答复函不一致"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(proposal_title_on_form="").exclude(
                proposal_title_on_form=F("reply__proposal_title")
            )
        return queryset


@admin.register(Session)
class SessionAdmin(RoleAdmin):
    list_display = ["__str__", "year", "number_digits"]
    list_filter = ["committee", "year"]
    search_fields = ["committee", "year"]


@admin.register(Category)
class CategoryAdmin(RoleAdmin):
    search_fields = ["name"]


class OutcomeClassInline(RoleInlineMixin, admin.TabularInline):
    model = OutcomeClass
    extra = 1
    show_change_link = True  # to the class's own page, and its history


@admin.register(OutcomeClass)
class OutcomeClassAdmin(HistoryAdmin, RoleAdmin):
    """A class's page and history; classes are added and edited in their scheme."""

    list_display = ["code", "group", "definition", "scheme", "position"]
    list_filter = ["scheme"]
    list_select_related = ["scheme"]
    search_fields = ["code", "definition"]

    def has_module_permission(self, request):
        return False  # listed under their scheme

    def has_add_permission(self, request):
        return False


@admin.register(OutcomeScheme)
class OutcomeSchemeAdmin(RoleAdmin):
    list_display = ["name", "is_default", "codes"]
    inlines = [OutcomeClassInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("classes")

    @admin.display(description=_("分类"))
    def codes(self, scheme):
        return " ".join(outcome.code for outcome in scheme.classes.all())


@admin.register(Proposer)
class ProposerAdmin(UnitScopedAdmin):
    unit_path = PROPOSER_UNIT_PATHS
    list_display = ["name", "kind", "contact_person", "phone"]
    list_filter = ["kind"]
    search_fields = ["name", "contact_person"]


class AssignmentInline(RoleInlineMixin, admin.TabularInline):
    model = Assignment
    form = AssignmentForm
    extra = 0
    autocomplete_fields = ["unit"]
    fields = ["unit", "role", "assigned_on", "due_on"]


@admin.register(Proposal)
class ProposalAdmin(ProposalNumberSearchMixin, HistoryAdmin, UnitScopedAdmin):
    unit_path = "assignments__unit"
    list_display = ["number_display", "title", "proposer", "session", "status", "is_key", "units"]
    list_display_links = ["number_display", "title"]
    list_filter = [
        "session",
        "status",
        "is_key",
        "category",
        ("assignments__unit", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["session", "proposer"]
    search_fields = ["title", "proposer__name", "co_signers__name"]
    autocomplete_fields = ["proposer", "co_signers", "merged_into"]
    inlines = [AssignmentInline]
    fieldsets = [
        (None, {"fields": ["session", ("number_prefix", "number"), "title", "category", "is_key"]}),
        (_("提案者"), {"fields": ["proposer", "co_signers"]}),
        (
            _("立案与办理"),
            {"fields": ["status", "not_registered_reason", "merged_into", "filed_on"]},
        ),
        (_("内容"), {"fields": ["body"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("assignments__unit")

    @admin.display(description=_("编号"), ordering="number")
    def number_display(self, proposal):
        return f"第{proposal.printed_number}号"

    @admin.display(description=_("承办单位"))
    def units(self, proposal):
        return "、".join(f"{a.unit}（{a.get_role_display()}）" for a in proposal.assignments.all())


class ReadOnlyListInline(RoleInlineMixin, admin.TabularInline):
    """Related rows listed with a link to each; they are written on their own screen."""

    extra = 0
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReplyInline(ReadOnlyListInline):
    model = ReplyLetter
    fields = ["round", "doc_number", "outcome_class", "signed_on", "is_published"]


@admin.register(Assignment)
class AssignmentAdmin(ProposalNumberSearchMixin, HistoryAdmin, UnitScopedAdmin):
    unit_path = "unit"
    proposal_path = "proposal__"
    form = AssignmentForm
    list_display = [
        "proposal_number",
        "proposal_title",
        "unit",
        "role",
        "assigned_on",
        "due_on",
        "state",
        "log_reply",
    ]
    list_filter = [
        "proposal__session",
        ("unit", admin.RelatedOnlyFieldListFilter),
        "role",
        AssignmentStateFilter,
    ]
    list_select_related = ["proposal__session", "proposal__proposer", "unit"]
    search_fields = ["proposal__title", "proposal__proposer__name", "unit__name"]
    autocomplete_fields = ["proposal", "unit"]
    readonly_fields = ["log_reply"]
    fields = ["proposal", "unit", "role", "assigned_on", "due_on", "log_reply"]
    inlines = [ReplyInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("replies")

    def get_readonly_fields(self, request, obj=None):
        # A reply belongs to the unit that wrote it: once replied, the unit stays.
        if obj and obj.replies.exists():
            return [*self.readonly_fields, "unit", "proposal"]
        return self.readonly_fields

    @admin.display(description=_("提案编号"), ordering="proposal__number")
    def proposal_number(self, assignment):
        return f"第{assignment.proposal.printed_number}号"

    @admin.display(description=_("案由"), ordering="proposal__title")
    def proposal_title(self, assignment):
        return assignment.proposal.title

    @admin.display(description=_("状态"))
    def state(self, assignment):
        replies = assignment.replies.all()
        if replies:
            return _("已答复（%(rounds)s 轮）") % {"rounds": len(replies)}
        if assignment.due_on is None:
            return _("期限未定")
        overdue = (timezone.localdate() - assignment.due_on).days
        if overdue > 0:
            return format_html('<strong class="alert-text">{}</strong>', _("逾期 %d 天") % overdue)
        return _("办理中")

    @admin.display(description=_("答复函"))
    def log_reply(self, assignment):
        if not assignment.pk:
            return "—"
        url = reverse("admin:proposals_replyletter_add") + f"?assignment={assignment.pk}"
        return format_html('<a class="button" href="{}">{}</a>', url, _("登记答复函"))


class FormInline(ReadOnlyListInline):
    model = SatisfactionForm
    fields = [
        "rater",
        "attitude_rating",
        "result_rating",
        "comments",
        "channel",
        "entered_at",
        "voided_at",
    ]


class InvitationInline(ReadOnlyListInline):
    """The members' links: that one was sent and when, never the link itself."""

    model = FormInvitation
    fields = ["rater", "email", "sent_at", "send_count"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 4}))

    def clean_reason(self):
        # A reason stays on record: invisible characters alone (a zero-width space) say nothing.
        reason = self.cleaned_data["reason"]
        if not any(char.isprintable() and not char.isspace() for char in reason):
            raise forms.ValidationError(_("请写明理由。"))
        return reason


def reason_view(model_admin, request, obj, *, title: str, apply, done: str):
    """A page asking for a written reason, then `apply(reason)`; back to the object."""
    back = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            apply(form.cleaned_data["reason"])
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            model_admin.message_user(request, done, messages.SUCCESS)
            return redirect(back)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "object": obj,
        "form": form,
        "opts": obj._meta,
        "back": back,
    }
    return TemplateResponse(request, "admin/proposals/reason_form.html", context)


# Where from_file_view keeps what uploaded letters said until the add form shows it.
DRAFTS_KEY = "reply_drafts_from_files"


def _file_warnings(letter, assignment) -> list[str]:
    """What staff should check before saving a reply read from a file."""
    warnings = list(letter.warnings)
    if letter.outcome_class and not selectors.outcome_class_for(letter.outcome_class):
        warnings.append(services.unknown_class_warning(letter.outcome_class))
    if letter.unit and letter.unit not in (assignment.unit.name, assignment.unit.full_name):
        warnings.append(
            _("函的落款单位“%(printed)s”与承办单位“%(unit)s”名称不同。")
            % {"printed": letter.unit, "unit": assignment.unit}
        )
    if letter.form:
        warnings.append(_("函后附有填好的征询意见表：请在“征询意见表”中另行登记，并上传扫描件。"))
    return warnings


# A version as a change form carries it; anything else posted is taken for a stale one.
VERSION_TEXT = re.compile(r"[0-9]{1,10}")


class ReplyLetterAdminForm(ReplyLetterForm):
    """The reply form, asking why when the class of a published reply changes: the reason
    goes to the reply's history and, with the date and both classes, to its public page.

    A change form carries the version of the reply it was loaded with (ReplyLetter.version).
    Saved by someone else since, the reply is not overwritten: the form comes back with the
    person's entries, what was changed and is now stored (`conflict`), and the current
    version, so that saving it again after review is a knowing overwrite."""

    loaded_version = forms.CharField(required=False, widget=forms.HiddenInput)
    outcome_change_reason = forms.CharField(
        label=_("调整分类的理由"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_(
            "这件答复函已公开：调整办理结果分类须写明理由。理由将连同调整日期和调整前后的分类"
            "在公开页面上注明，请勿填写个人信息。"
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["loaded_version"] = str(self.instance.version)
        self.conflict = None

    def clean_loaded_version(self) -> int | None:
        text = self.cleaned_data["loaded_version"]
        return int(text) if VERSION_TEXT.fullmatch(text) else None

    def clean(self):
        # Before the reply form sets the unit and the document number's parts on the instance,
        # which holds what is stored until then.
        if self.instance.pk and self.cleaned_data.get("loaded_version") != self.instance.version:
            self._report_conflict(self.cleaned_data.get("loaded_version"))
        cleaned = super().clean()
        reason = (cleaned.get("outcome_change_reason") or "").strip()
        cleaned["outcome_change_reason"] = reason
        if self.changes_published_class() and not reason:
            self.add_error(
                "outcome_change_reason", _("这件答复函已公开：调整办理结果分类须写明理由。")
            )
        return cleaned

    def changes_published_class(self) -> bool:
        # The instance holds what is stored until the form is cleaned.
        return bool(
            self.instance.pk and self.instance.is_published and "outcome_class" in self.changed_data
        )

    def _report_conflict(self, loaded: int | None) -> None:
        stored = self.instance
        self.add_error(
            None,
            _(
                "这件答复函已被他人修改（第%(version)s版）：您的修改尚未保存。"
                "请核对下方当前内容后重新保存。"
            )
            % {"version": stored.version},
        )
        seen = stored.history.filter(version=loaded).first() if loaded else None
        if seen:  # what others changed since this form was loaded
            fields = [
                field
                for field in REPLY_FIELDS
                if getattr(seen, field.attname) != getattr(stored, field.attname)
            ]
        else:  # that version is not kept: where the stored reply and the entries differ
            fields = [field for field in REPLY_FIELDS if field.name in self.changed_data]
        self.conflict = {
            "version": stored.version,
            "by_others": bool(seen),
            "fields": [(field.verbose_name, _stored_value(stored, field)) for field in fields],
        }
        # Shown again with the stored version: saved after review, the entries overwrite it.
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_version")] = str(stored.version)


# The fields of a reply that a conflict may show: those people write.
REPLY_FIELDS = [ReplyLetter._meta.get_field(name) for name in ReplyLetterForm._meta.fields]


def _stored_value(reply, field):
    value = getattr(reply, field.name)
    if isinstance(value, list):  # copied_to, as the form shows it
        return "，".join(value) or "—"
    return display_for_field(value, field, "—")


@admin.register(ReplyLetter)
class ReplyLetterAdmin(ProposalNumberSearchMixin, HistoryAdmin, UnitScopedAdmin):
    unit_path = "unit"
    proposal_path = "assignment__proposal__"
    staff_can_add = True
    staff_can_change = True
    scoped_choices = {"assignment": "unit"}
    form = ReplyLetterAdminForm
    list_display = [
        "doc_number",
        "outcome_code",
        "proposal_number",
        "proposal_title_short",
        "unit",
        "signed_on",
        "is_published",
        "ratings",
    ]
    list_display_links = ["doc_number", "proposal_title_short"]
    list_filter = [
        ("assignment__proposal__session", SessionFilter),
        ("unit", UnitFilter),
        ("outcome_class", OutcomeClassFilter),
        OutcomeGroupFilter,
        AttitudeRatingFilter,
        ResultRatingFilter,
        "is_published",
        RoundFilter,
    ]
    list_select_related = ["assignment__proposal__session", "unit", "outcome_class"]
    # The list of every reply is not counted (see EstimatedCountPaginator), nor twice when
    # filtered ("N of M").
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    search_fields = [
        "doc_number",
        "title",
        "proposal_title",
        "assignment__proposal__title",
        "assignment__proposal__proposer__name",
    ]
    autocomplete_fields = ["assignment"]
    readonly_fields = ["unit", "doc_year", "doc_sequence"]
    inlines = [InvitationInline, FormInline]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (_("答复哪件提案"), {"fields": ["assignment", "round", "unit"]}),
        (
            _("函头"),
            {
                "fields": [
                    "doc_number",
                    ("doc_year", "doc_sequence"),
                    "outcome_class",
                    "title",
                    "addressee",
                    "proposal_title",
                ]
            },
        ),
        (_("正文"), {"fields": ["body"]}),
        (_("落款与抄送"), {"fields": ["signing_unit", "signed_on", "signer", "copied_to"]}),
        (_("联系人"), {"fields": ["contact_name", "contact_phone"]}),
        (_("公开"), {"fields": ["disclosure", "is_published"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("forms")

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        # A change form carries the version it was loaded with (ReplyLetterAdminForm), hidden.
        (name, options), *others = fieldsets
        fieldsets = [(name, {**options, "fields": [*options["fields"], "loaded_version"]}), *others]
        if not obj.is_published:
            return fieldsets
        # Published: a change of class asks why (ReplyLetterAdminForm), below the class.
        with_reason = []
        for name, options in fieldsets:
            fields = []
            for field in options["fields"]:
                fields += [field, "outcome_change_reason"] if field == "outcome_class" else [field]
            with_reason.append((name, {**options, "fields": fields}))
        return with_reason

    def save_model(self, request, obj, form, change):
        if reason := form.cleaned_data.get("outcome_change_reason"):
            obj._change_reason = reason  # kept in the reply's history
        if change:
            services.reply_save(reply=obj, loaded_version=form.cleaned_data["loaded_version"])
        else:
            super().save_model(request, obj, form, change)
            services.reply_logged(reply=obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.ReplyChanged:
            # Saved by someone else between the form's check of the version and its write:
            # nothing was written, and the form, shown again, now finds the conflict itself.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The reply the form shows: read once, by the view.
        context["can_withdraw"] = bool(obj and not obj.withdrawn_at and is_supervisor(request.user))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/withdraw/",
                self.admin_site.admin_view(self.withdraw_view),
                name="proposals_replyletter_withdraw",
            ),
            path(
                "from-file/",
                self.admin_site.admin_view(self.from_file_view),
                name="proposals_replyletter_from_file",
            ),
        ]
        return [*urls, *super().get_urls()]

    def from_file_view(self, request):
        """Upload a letter (.txt, .md, .docx, .pdf): the reader fills in the reply form, which
        staff check and save as usual. Nothing is written until they do."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = LetterFileForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                assignment = selectors.assignment_for_letter(form.letter, unit_ids_of(request.user))
            except selectors.LetterNotMatched as why:
                form.add_error("file", str(why))
            else:
                if logged := self._already_logged(form.letter, assignment):
                    form.add_error("file", logged)
                else:
                    return self._draft_from_file(request, form.letter, assignment)
        context = {
            **self.admin_site.each_context(request),
            "title": _("从文件登记答复函"),
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/proposals/replyletter/from_file.html", context)

    def _already_logged(self, letter, assignment) -> str | None:
        if not letter.doc_number:
            return None
        reply = ReplyLetter.objects.filter(unit=assignment.unit, doc_number=letter.doc_number)
        if reply := reply.first():
            url = reverse("admin:proposals_replyletter_change", args=[reply.pk])
            return format_html(_('这份答复函已经登记过：<a href="{}">{}</a>'), url, reply)
        return None

    def _draft_from_file(self, request, letter, assignment):
        """Keep what the letter says in the session and open the add form filled with it."""
        token = secrets.token_urlsafe(8)
        drafts = dict(list(request.session.get(DRAFTS_KEY, {}).items())[-4:])
        drafts[token] = selectors.reply_draft_from_letter(letter)
        request.session[DRAFTS_KEY] = drafts
        self.message_user(request, _("已从文件读出答复函，请逐项核对后保存。"), messages.INFO)
        for warning in _file_warnings(letter, assignment):
            self.message_user(request, warning, messages.WARNING)
        add = reverse("admin:proposals_replyletter_add")
        return redirect(f"{add}?assignment={assignment.pk}&draft={token}")

    def withdraw_view(self, request, pk):
        reply = self.get_object(request, str(pk))
        if reply is None or not is_supervisor(request.user) or reply.withdrawn_at:
            raise PermissionDenied
        return reason_view(
            self,
            request,
            reply,
            title=_("撤回答复函：%(reply)s") % {"reply": reply},
            apply=lambda reason: services.reply_withdraw(reply=reply, reason=reason),
            done=_("答复函已撤回，委员的填表链接随之失效。"),
        )

    def get_list_display(self, request):
        # Unit staff know their own unit: the column would only take room.
        if is_supervisor(request.user):
            return self.list_display
        return [name for name in self.list_display if name != "unit"]

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        if not is_supervisor(request.user):
            actions.pop("publish", None)
            actions.pop("unpublish", None)
        return actions

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "assignment" in initial:  # already checked to be one of this user's
            assignment = Assignment.objects.select_related(
                "proposal__session", "proposal__proposer", "unit"
            ).get(pk=initial["assignment"])
            initial.update(selectors.reply_draft_for(assignment))
        # What a letter uploaded by this user said (from_file_view), over the usual draft.
        initial.update(request.session.get(DRAFTS_KEY, {}).get(request.GET.get("draft"), {}))
        return initial

    def get_readonly_fields(self, request, obj=None):
        # Publication is the proposals committee's decision, not the unit's; a logged reply
        # stays with its assignment and round, which its members' links were sent for.
        # A withdrawn reply was sent by mistake: it is never published again.
        fields = [*self.readonly_fields, *(["assignment", "round"] if obj else [])]
        if is_supervisor(request.user) and not (obj and obj.withdrawn_at):
            return fields
        return [*fields, "is_published"]

    @admin.display(description=_("分类"), ordering="outcome_class__code")
    def outcome_code(self, reply):
        return reply.outcome_class.code if reply.outcome_class else "—"

    @admin.display(description=_("提案编号"), ordering="assignment__proposal__number")
    def proposal_number(self, reply):
        proposal = reply.assignment.proposal
        return (
            f"{proposal.session.term}届{proposal.session.meeting}次 第{proposal.printed_number}号"
        )

    @admin.display(description=_("提案标题"), ordering="proposal_title")
    def proposal_title_short(self, reply):
        title = reply.proposal_title or reply.assignment.proposal.title
        return title if len(title) <= 20 else f"{title[:20]}…"

    @admin.display(description=_("态度/结果"))
    def ratings(self, reply):
        forms = reply.forms.all()
        if not forms:
            return _("未回表")
        return format_html_join(
            "<br>",
            "{} / {}",
            (
                (form.get_attitude_rating_display(), form.get_result_rating_display())
                for form in forms
            ),
        )

    @admin.action(description=_("公开所选答复函"))
    def publish(self, request, queryset):
        count = self._set_published(queryset, True)
        self.message_user(request, _("已公开 %d 件答复函。") % count, messages.SUCCESS)

    @admin.action(description=_("取消公开所选答复函"))
    def unpublish(self, request, queryset):
        count = self._set_published(queryset, False)
        self.message_user(request, _("已取消公开 %d 件答复函。") % count, messages.SUCCESS)

    @transaction.atomic
    def _set_published(self, queryset, published: bool) -> int:
        """Publish or unpublish the replies not so already, in one UPDATE that raises their
        versions; update() sends no signal, so their history and the cached pages are seen
        to here. The rows are locked from their reading: the history has their versions."""
        changing = ReplyLetter.objects.select_for_update().filter(
            pk__in=queryset.values("pk"), is_published=not published, withdrawn_at__isnull=True
        )
        replies = list(changing)
        for reply in replies:
            reply.is_published = published
            reply.version += 1
        ReplyLetter.objects.filter(pk__in=[reply.pk for reply in replies]).update(
            is_published=published, version=NEXT_VERSION
        )
        history.record_changed(replies)
        caching.data_changed()
        return len(replies)


@admin.register(FormInvitation)
class FormInvitationAdmin(ProposalNumberSearchMixin, UnitScopedAdmin):
    """Members' links: staff see that one was sent, and re-send it; the link itself is only
    ever in the member's mailbox (re-sending makes a new one and retires the old)."""

    unit_path = "reply__unit"
    proposal_path = "reply__assignment__proposal__"
    fields = ["reply", "rater", "email", "sent_at", "send_count", "returned"]
    readonly_fields = fields
    list_display = ["reply", "rater", "email", "sent_at", "send_count", "returned"]
    list_filter = ["sent_at", ("reply__unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["reply", "rater"]
    search_fields = ["reply__doc_number", "rater__name", "reply__assignment__proposal__title"]
    actions = ["resend"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(returned_count=Count("forms", filter=Q(forms__voided_at__isnull=True)))
        )

    def has_add_permission(self, request):
        return False  # links are made when a reply is logged

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("已回表"), boolean=True)
    def returned(self, invitation):
        return bool(invitation.returned_count)

    @admin.action(description=_("重新发送填表链接（旧链接随之失效）"))
    def resend(self, request, queryset):
        sent = [
            invitation
            for invitation in queryset
            if services.invitation_resend(invitation=invitation)
        ]
        self.message_user(request, _("已重新发送 %(count)d 个链接。") % {"count": len(sent)})
        missing = queryset.count() - len(sent)
        if missing:
            self.message_user(
                request,
                _("%(count)d 位没有电子邮箱，未发送：请在提案者资料中补填，或走纸质表。")
                % {"count": missing},
                messages.WARNING,
            )

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        # Re-sending is something unit staff do for their own replies, not a change of data.
        actions = super().get_actions(request, action_location)
        if not (is_supervisor(request.user) or is_unit_staff(request.user)):
            actions.pop("resend", None)
        return actions


@admin.register(SatisfactionForm)
class SatisfactionFormAdmin(ProposalNumberSearchMixin, HistoryAdmin, UnitScopedAdmin):
    unit_path = "reply__unit"
    proposal_path = "reply__assignment__proposal__"
    staff_can_add = True
    staff_can_change = True
    scoped_choices = {
        "reply": "unit",
        "rater": PROPOSER_UNIT_PATHS,
    }
    list_display = [
        "reply",
        "rater",
        "attitude_rating",
        "result_rating",
        "channel",
        "entered_by",
        "entered_at",
        "title_check",
    ]
    list_filter = [
        "attitude_rating",
        "result_rating",
        "channel",
        ("reply__unit", admin.RelatedOnlyFieldListFilter),
        "reply__assignment__proposal__session",
        TitleMismatchFilter,
    ]
    list_select_related = ["reply", "rater", "entered_by"]
    search_fields = [
        "reply__doc_number",
        "reply__assignment__proposal__title",
        "rater__name",
        "signature_name",
        "comments",
    ]
    autocomplete_fields = ["reply", "rater"]
    form = PaperFormForm
    readonly_fields = [
        "channel",
        "entered_by",
        "entered_at",
        "title_check",
        "scan_link",
        "voided",
    ]
    fieldsets = [
        (None, {"fields": ["reply", "rater", "proposal_title_on_form", "title_check"]}),
        (
            _("委员填写"),
            {
                "fields": [
                    "attitude_rating",
                    "result_rating",
                    "comments",
                    "signature_name",
                    "signed_on",
                ]
            },
        ),
        (_("纸质表扫描件"), {"fields": ["scan", "scan_link"]}),
        (_("录入"), {"fields": ["channel", "entered_by", "entered_at", "voided"]}),
    ]

    @admin.display(description=_("已存扫描件"))
    def scan_link(self, form):
        if not form.pk or not form.scan:
            return "—"
        url = reverse("admin:proposals_satisfactionform_scan", args=[form.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("查看"))

    @admin.display(description=_("作废"))
    def voided(self, form):
        if form.voided_at:
            return format_html(
                '<strong class="alert-text">{}</strong> {} · {}：{}',
                _("已作废"),
                timezone.localtime(form.voided_at).strftime("%Y-%m-%d %H:%M"),
                form.voided_by,
                form.void_reason,
            )
        return "—"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Supervisors get a "void" button among the object tools (the template's).
        form = self.get_object(request, object_id)
        can_void = bool(form and not form.voided_at and is_supervisor(request.user))
        extra_context = {**(extra_context or {}), "can_void": can_void}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/void/",
                self.admin_site.admin_view(self.void_view),
                name="proposals_satisfactionform_void",
            ),
            path(
                "<int:pk>/scan/",
                self.admin_site.admin_view(self.scan_view),
                name="proposals_satisfactionform_scan",
            ),
        ]
        return [*urls, *super().get_urls()]

    def void_view(self, request, pk):
        form = self.get_object(request, str(pk))
        if form is None or not is_supervisor(request.user) or form.voided_at:
            raise PermissionDenied
        return reason_view(
            self,
            request,
            form,
            title=_("作废征询意见表：%(form)s") % {"form": form},
            apply=lambda reason: services.form_void(form=form, by=request.user, reason=reason),
            done=_("征询意见表已作废，理由已记录；它不再计入统计。"),
        )

    def scan_view(self, request, pk):
        """The scan, to those who may see the form (their unit's staff, supervisors), read
        through the storage and downloaded, never shown or run in the site's origin."""
        form = self.get_object(request, str(pk))
        if form is None or not form.scan or not self.has_view_permission(request, form):
            raise Http404
        name = form.scan.name.rsplit("/", 1)[-1]
        content_type = SCAN_CONTENT_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")
        try:
            scan = form.scan.open("rb")
        except FileNotFoundError as missing:  # e.g. listed missing when an archive was made
            raise Http404 from missing
        response = FileResponse(scan, as_attachment=True, filename=name, content_type=content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    @admin.display(description=_("标题核对"))
    def title_check(self, form):
        if not form.pk or not form.has_title_mismatch:
            return "—"
        return format_html(
            '<strong class="alert-text">{}</strong><br>{}：{}<br>{}：{}',
            _("表上所印提案标题与答复函不一致"),
            _("表上"),
            form.proposal_title_on_form,
            _("函中"),
            form.reply.proposal_title,
        )

    def has_change_permission(self, request, obj=None):
        # An online form is the member's own word: nobody edits it. Paper forms typed in
        # by unit staff may be corrected by them.
        # A voided form stays as it was when it was voided.
        if obj is not None and (obj.channel == FormChannel.ONLINE or obj.voided_at):
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            # Forms typed in by staff are paper forms; online forms come only from the member.
            obj.channel = FormChannel.PAPER
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            services.rehandling_open_if_dissatisfied(form=obj)
