"""The pages outside the admin: public listings and proposal pages, exports, the supervisors'
pages, the members' form by personal link, printable letters and forms."""

import re
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.mixins import UserPassesTestMixin
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, TemplateView, View
from django.views.generic.detail import SingleObjectMixin
from django_filters.views import FilterView

from offices.roles import is_supervisor, unit_ids_of

from . import exports, links, services, statistics
from .caching import PUBLIC, SUPERVISORS, CachedPageMixin
from .filters import ListingFilter, SupervisorListingFilter
from .forms import MemberRatingForm
from .letters import writer
from .models import OutcomeClass, Proposal, ReplyLetter, SatisfactionForm
from .selectors import listing_rows, proposal_page, visible_replies


class ProblemReason:
    """Why a member's link shows no form (besides links.LinkInvalid's and FormNotAccepted's)."""

    STAFF = "staff"


class SupervisorRequiredMixin(UserPassesTestMixin):
    """The supervisor group and superusers; others are sent to log in (or get a 403)."""

    def test_func(self):
        return is_supervisor(self.request.user)


class PublicCachedPageMixin(CachedPageMixin):
    """Anonymous visitors share one cached copy of a page (logged-in users, the supervisors
    on their listing and proposal pages among them, are never served it)."""

    def cache_audience(self):
        return None if self.request.user.is_authenticated else PUBLIC


class ProposalListView(PublicCachedPageMixin, FilterView):
    """The listing; `format=csv` or `format=xlsx` exports every row it matches."""

    model = Proposal
    filterset_class = ListingFilter
    template_name = "proposals/proposal_list.html"
    paginate_by = 20
    detail_url_name = "proposals:detail"

    def cache_audience(self):
        return None if "format" in self.request.GET else super().cache_audience()

    def get_filterset_kwargs(self, filterset_class):
        # Always bound, so that the default sort and the validation apply to a bare URL too.
        return {**super().get_filterset_kwargs(filterset_class), "data": self.request.GET}

    def get(self, request, *args, **kwargs):
        export_format = request.GET.get("format")
        if export_format in exports.FORMATS:
            filterset = self.get_filterset(self.get_filterset_class())
            if filterset.is_valid():
                return exports.listing_export(filterset, export_format)
        return super().get(request, *args, **kwargs)

    def get_filterset(self, filterset_class):
        # Made once per request: an export with a bad filter falls through to the page.
        if not hasattr(self, "_filterset"):
            self._filterset = super().get_filterset(filterset_class)
        return self._filterset

    def paginate_queryset(self, queryset, page_size):
        rows = listing_rows(queryset, self.filterset.visible_replies)
        return super().paginate_queryset(rows, page_size)

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("format", None)
        return {
            **super().get_context_data(**kwargs),
            "query": query.urlencode(),
            "detail_url_name": self.detail_url_name,
            "is_supervisor_view": not self.filterset_class.published_only,
        }


class SupervisorProposalListView(SupervisorRequiredMixin, ProposalListView):
    filterset_class = SupervisorListingFilter
    detail_url_name = "proposals:supervision-detail"


class ProposalDetailView(PublicCachedPageMixin, DetailView):
    """A proposal as the public sees it: published replies, no phone numbers or addresses."""

    template_name = "proposals/proposal_detail.html"
    published_only = True

    def get_object(self, queryset=None):
        replies = visible_replies(published_only=self.published_only)
        try:
            return proposal_page(self.kwargs["pk"], replies)
        except Proposal.DoesNotExist:
            raise Http404 from None

    def get_context_data(self, **kwargs):
        assignments = self.object.assignments.all()
        return {
            **super().get_context_data(**kwargs),
            "is_supervisor_view": not self.published_only,
            "has_visible_replies": any(a.visible_replies for a in assignments),
            "was_rehandled": any(a.rehandling_round for a in assignments),
        }


class SupervisorProposalDetailView(SupervisorRequiredMixin, ProposalDetailView):
    published_only = False


class StatisticsView(SupervisorRequiredMixin, CachedPageMixin, TemplateView):
    """The supervisors' figures for a session (`session`, `all`), rows by `by`; each figure
    links to the supervisors' listing of what it counts. Every supervisor sees the same page:
    one cached copy serves them all."""

    template_name = "proposals/statistics.html"

    def cache_audience(self):
        return SUPERVISORS

    def get_context_data(self, **kwargs):
        parameters = statistics.StatisticsParameters(self.request.GET)
        figures = None
        if parameters.is_valid():
            figures = statistics.session_statistics(
                session=parameters.cleaned_data["session"], by=parameters.cleaned_data["by"]
            )
        return {
            **super().get_context_data(**kwargs),
            "parameters": parameters,
            "statistics": figures,
        }


@method_decorator(never_cache, name="dispatch")
class MemberFormView(TemplateView):
    """The member's satisfaction form, opened by their personal link; no account needed.
    Every way a link can fail gets a page that says what happened and whom to contact."""

    template_name = "proposals/member_form.html"
    problem_template_name = "proposals/member_form_problem.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_staff:
            # The form must be the member's own word: a staff session never fills it in.
            return self.problem(ProblemReason.STAFF, status=403)
        try:
            self.invitation = links.open_link(kwargs["token"])
        except links.LinkInvalid as invalid:
            status = 404 if invalid.reason == links.LinkInvalid.TAMPERED else 410
            return self.problem(invalid.reason, status=status)
        reason = services.invitation_unusable_reason(self.invitation)
        if reason:
            return self.problem(reason, status=410)
        return super().dispatch(request, *args, **kwargs)

    def problem(self, reason: str, *, status: int):
        context = {"reason": reason, "contact": settings.PROPOSALS_OFFICE_CONTACT}
        return render(self.request, self.problem_template_name, context, status=status)

    def submitted_form(self):
        invitation = self.invitation
        return (
            SatisfactionForm.objects.valid()
            .filter(reply=invitation.reply_id, rater=invitation.rater_id)
            .first()
        )

    def get_context_data(self, **kwargs):
        reply = self.invitation.reply
        return {
            **super().get_context_data(**kwargs),
            "invitation": self.invitation,
            "reply": reply,
            "proposal": reply.assignment.proposal,
            "rater": self.invitation.rater,
            "submitted": self.submitted_form(),
            "form": kwargs.get("form") or MemberRatingForm(),
            "contact": settings.PROPOSALS_OFFICE_CONTACT,
        }

    def post(self, request, *args, **kwargs):
        form = MemberRatingForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            services.form_submit(invitation=self.invitation, **form.cleaned_data)
        except services.FormNotAccepted as refused:
            if refused.reason != services.FormNotAccepted.ALREADY_SUBMITTED:
                return self.problem(refused.reason, status=410)
        # Post/redirect/get: a reload shows what was submitted and never posts again.
        return redirect(request.path)


class PrintReplyMixin(UserPassesTestMixin):
    """Staff only (others are sent to log in, or get a 403); unit staff see their own units'
    replies, and another unit's reply is a 404, as if it did not exist."""

    context_object_name = "reply"

    def test_func(self):
        user = self.request.user
        return user.is_active and user.is_staff

    def get_queryset(self):
        replies = ReplyLetter.objects.select_related(
            "unit",
            "outcome_class",
            "assignment__proposal__session",
            "assignment__proposal__proposer",
        )
        user = self.request.user
        if is_supervisor(user):
            return replies
        return replies.filter(unit_id__in=unit_ids_of(user))


@method_decorator(never_cache, name="dispatch")
class PrintLetterView(PrintReplyMixin, DetailView):
    """A reply letter laid out as printed (GB/T 9704-like), for the paper route."""

    template_name = "proposals/print_letter.html"


@method_decorator(never_cache, name="dispatch")
class PrintFormView(PrintReplyMixin, DetailView):
    """The satisfaction form on one A4 page: the unit's part filled from a reply, or, without
    `pk`, entirely blank."""

    template_name = "proposals/print_form.html"

    def get_object(self, queryset=None):
        if "pk" not in self.kwargs:
            return None
        return super().get_object(queryset)

    def get_context_data(self, **kwargs):
        reply = self.object
        if reply and reply.outcome_class:
            classes = OutcomeClass.objects.filter(scheme=reply.outcome_class.scheme_id)
        else:
            classes = OutcomeClass.objects.filter(scheme__is_default=True)
        return {
            **super().get_context_data(**kwargs),
            "proposal": reply.assignment.proposal if reply else None,
            # The header of the class cell and the notes list the scheme the reply uses.
            "outcome_classes": list(classes),
        }


DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Characters Windows does not allow in a file name.
UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def docx_response(data: bytes, filename: str, ascii_filename: str) -> HttpResponse:
    """A Word document to download, named in UTF-8 (RFC 5987) with an ASCII name for old
    clients."""
    response = HttpResponse(data, content_type=DOCX_CONTENT_TYPE)
    utf8_name = quote(UNSAFE_IN_FILENAME.sub("_", filename))
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{utf8_name}"
    )
    return response


def reply_filename(reply: ReplyLetter, suffix: str = "") -> str:
    """景国试管办案字〔2025〕1号.docx, or the title where the letter has no number."""
    return f"{reply.doc_number or reply.title}{suffix}.docx"


class LetterDocxView(SingleObjectMixin, View):
    """A published reply letter as a Word document, for anyone: without the unit's contact or
    the proposer's address and phone. A withdrawn reply is not found."""

    public = True

    def get_queryset(self):
        return (
            ReplyLetter.objects.published()
            .filter(withdrawn_at__isnull=True)
            .select_related(
                "unit",
                "outcome_class",
                "assignment__proposal__session",
                "assignment__proposal__proposer",
            )
        )

    def get(self, request, *args, **kwargs):
        reply = self.get_object()
        data = writer.letter_docx(reply, public=self.public)
        return docx_response(data, reply_filename(reply), f"reply-{reply.pk}.docx")


@method_decorator(never_cache, name="dispatch")
class PrintLetterDocxView(PrintReplyMixin, LetterDocxView):
    """The reply letter as a Word document, for the unit's staff: in full, and marked when it
    was withdrawn."""

    public = False


@method_decorator(never_cache, name="dispatch")
class PrintFormDocxView(PrintReplyMixin, SingleObjectMixin, View):
    """The satisfaction form as a Word document: filled from a reply, or, without `pk`, blank."""

    def get(self, request, *args, **kwargs):
        if "pk" not in self.kwargs:
            return docx_response(writer.form_docx(), f"{writer.FORM_TITLE}.docx", "form.docx")
        reply = self.get_object()
        return docx_response(
            writer.form_docx(reply),
            reply_filename(reply, suffix=f" {writer.FORM_TITLE}"),
            f"reply-{reply.pk}-form.docx",
        )
