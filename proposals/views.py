"""The public pages (no login) and the supervisors' pages: listings, proposal pages, exports."""

from django.contrib.auth.mixins import UserPassesTestMixin
from django.http import Http404
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from offices.roles import is_supervisor

from . import exports, statistics
from .filters import ListingFilter, SupervisorListingFilter
from .models import Proposal
from .selectors import listing_rows, proposal_page, visible_replies


class SupervisorRequiredMixin(UserPassesTestMixin):
    """The supervisor group and superusers; others are sent to log in (or get a 403)."""

    def test_func(self):
        return is_supervisor(self.request.user)


class ProposalListView(FilterView):
    """The listing; `format=csv` or `format=xlsx` exports every row it matches."""

    model = Proposal
    filterset_class = ListingFilter
    template_name = "proposals/proposal_list.html"
    paginate_by = 20
    detail_url_name = "proposals:detail"

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


class ProposalDetailView(DetailView):
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
        }


class SupervisorProposalDetailView(SupervisorRequiredMixin, ProposalDetailView):
    published_only = False


class StatisticsView(SupervisorRequiredMixin, TemplateView):
    """The supervisors' figures for a session (`session`, `all`), rows by `by`; each figure
    links to the supervisors' listing of what it counts."""

    template_name = "proposals/statistics.html"

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
