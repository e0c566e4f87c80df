"""The read-only open-data API: published replies and the proposals they answer, as JSON.

The same filters and parameter names as the public listing (`proposals.filters`). Nothing
here carries contact data: no phone numbers, contact names, addresses, e-mail addresses, nor
what proposers wrote or signed on their satisfaction forms.
"""

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny

from .caching import PUBLIC, CachedPageMixin
from .filters import MIN_KEYWORD_LENGTH, ListingFilter, ReplyFilter
from .models import AssignmentRole, Proposal, ProposalStatus, Rating, ReplyLetter
from .selectors import listing_rows, visible_replies


class OpenDataPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        """As DRF's (a size above the ceiling gets the ceiling), but a malformed page_size
        answers 400 instead of being ignored."""
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not value.isdigit() or int(value) < 1:
            message = _("每页条数须是正整数（最多 %(max)s）。") % {"max": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]})
        return min(int(value), self.max_page_size)


def proposal_url(request, proposal_id: int) -> str:
    return request.build_absolute_uri(reverse("proposals:detail", args=[proposal_id]))


class RatingField(serializers.ChoiceField):
    """The first proposer's rating of a reply; null where no form came back."""

    def __init__(self, **kwargs):
        super().__init__(choices=Rating.choices, allow_null=True, read_only=True, **kwargs)


class CompactReplySerializer(serializers.Serializer):
    """A published reply as one line of its proposal: the full letter is on /api/replies/."""

    id = serializers.IntegerField(read_only=True)
    doc_number = serializers.CharField(read_only=True, help_text=_("文号，照原文。"))
    title = serializers.CharField(read_only=True, help_text=_("答复函标题。"))
    # The assignment is cached on each prefetched reply, and its unit is prefetched with it.
    unit = serializers.CharField(
        source="assignment.unit.name", read_only=True, help_text=_("承办单位。")
    )
    round = serializers.IntegerField(read_only=True, help_text=_("答复轮次：首次为 1。"))
    outcome_class = serializers.CharField(
        source="outcome_class.code",
        allow_null=True,
        read_only=True,
        help_text=_("办理结果分类代码，如 A1；未分类为 null。"),
    )
    outcome_group = serializers.CharField(
        source="outcome_class.group",
        allow_null=True,
        read_only=True,
        help_text=_("办理结果分类所属大类字母，如 A；未分类为 null。"),
    )
    signed_on = serializers.DateField(
        allow_null=True, read_only=True, help_text=_("成文日期（ISO 8601）；不详为 null。")
    )
    attitude_rating = RatingField(
        source="attitude", help_text=_("第一提案者对办理态度的评价；未回表为 null。")
    )
    result_rating = RatingField(
        source="result", help_text=_("第一提案者对办理结果的评价；未回表为 null。")
    )


class ReplySerializer(CompactReplySerializer):
    """A published reply letter as printed, with the proposal it answers."""

    unit = serializers.CharField(source="unit.name", read_only=True, help_text=_("承办单位。"))
    outcome_definition = serializers.CharField(
        source="outcome_class.definition",
        allow_null=True,
        read_only=True,
        help_text=_("办理结果分类的定义；未分类为 null。"),
    )
    addressee = serializers.CharField(read_only=True, help_text=_("称谓。"))
    proposal_title = serializers.CharField(
        read_only=True, help_text=_("函中所引提案标题，照原文。")
    )
    body = serializers.CharField(read_only=True, help_text=_("正文。"))
    signing_unit = serializers.CharField(read_only=True, help_text=_("落款单位。"))
    copied_to = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=_("抄送单位。")
    )
    proposal_id = serializers.IntegerField(source="assignment.proposal_id", read_only=True)
    proposal_number = serializers.CharField(
        source="assignment.proposal.printed_number",
        read_only=True,
        help_text=_("提案编号，照会议印法补零，如 010。"),
    )
    session = serializers.CharField(
        source="assignment.proposal.session",
        read_only=True,
        help_text=_("会议，如 市政协十四届五次会议。"),
    )
    url = serializers.SerializerMethodField(help_text=_("提案公开页面的地址。"))

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, reply) -> str:
        return proposal_url(self.context["request"], reply.assignment.proposal_id)


class AssignedUnitSerializer(serializers.Serializer):
    unit = serializers.CharField(source="unit.name", read_only=True, help_text=_("承办单位。"))
    role = serializers.ChoiceField(
        choices=AssignmentRole.choices, read_only=True, help_text=_("办理方式。")
    )


class ProposalSerializer(serializers.Serializer):
    """A proposal with its units and its published replies."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(
        source="printed_number", read_only=True, help_text=_("提案编号，如 010。")
    )
    session = serializers.CharField(read_only=True, help_text=_("会议。"))
    year = serializers.IntegerField(source="session.year", read_only=True)
    title = serializers.CharField(read_only=True, help_text=_("案由。"))
    proposer = serializers.CharField(read_only=True, help_text=_("第一提案者。"))
    co_signers = serializers.SerializerMethodField(help_text=_("联名提案者。"))
    category = serializers.CharField(
        source="category.name", allow_null=True, read_only=True, help_text=_("提案类别。")
    )
    is_key = serializers.BooleanField(read_only=True, help_text=_("是否重点提案。"))
    status = serializers.ChoiceField(choices=ProposalStatus.choices, read_only=True)
    units = AssignedUnitSerializer(
        source="assignments.all", many=True, read_only=True, help_text=_("承办单位及办理方式。")
    )
    replies = serializers.SerializerMethodField(help_text=_("已公开的答复函。"))
    url = serializers.SerializerMethodField(help_text=_("提案公开页面的地址。"))

    def get_co_signers(self, proposal) -> list[str]:
        return [str(co_signer) for co_signer in proposal.co_signers.all()]

    @extend_schema_field(CompactReplySerializer(many=True))
    def get_replies(self, proposal):
        # `visible_replies` holds the published replies only (see ProposalListView.get_queryset).
        replies = [
            reply
            for assignment in proposal.assignments.all()
            for reply in assignment.visible_replies
        ]
        return CompactReplySerializer(replies, many=True, context=self.context).data

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, proposal) -> str:
        return proposal_url(self.context["request"], proposal.pk)


RATING_VALUES = ", ".join(f"`{value}`" for value in Rating.values)

# The filters' labels are short; the open-data readers need to know the values each one takes.
FILTER_PARAMETERS = [
    OpenApiParameter(
        "q",
        str,
        description=format_lazy(
            _(
                "关键词，至少 {length} 个字：匹配提案案由，"
                "以及已公开答复函的标题、所引提案标题和正文。"
            ),
            length=MIN_KEYWORD_LENGTH,
        ),
    ),
    OpenApiParameter("session", int, description=_("会议的 id。")),
    OpenApiParameter("year", int, description=_("会议年份，如 2025。")),
    OpenApiParameter("unit", int, description=_("承办单位的 id。")),
    OpenApiParameter(
        "outcome",
        str,
        description=_("办理结果分类代码，如 A1、B2（默认方案为 A1…C2）。"),
    ),
    OpenApiParameter("group", str, description=_("办理结果分类大类字母，如 A、B、C。")),
    OpenApiParameter(
        "attitude",
        str,
        description=format_lazy(
            _("第一提案者对办理态度的评价：{values}；`any` 为已回表，`none` 为未回表。"),
            values=RATING_VALUES,
        ),
        enum=[*Rating.values, "any", "none"],
    ),
    OpenApiParameter(
        "result",
        str,
        description=format_lazy(
            _("第一提案者对办理结果的评价：{values}；`any` 为已回表，`none` 为未回表。"),
            values=RATING_VALUES,
        ),
        enum=[*Rating.values, "any", "none"],
    ),
    OpenApiParameter("category", int, description=_("提案类别的 id。")),
]


DOCUMENTED_FILTERS = {parameter.name for parameter in FILTER_PARAMETERS}


class OpenDataFilterBackend(DjangoFilterBackend):
    """django-filter's backend, whose parameters the schema takes from FILTER_PARAMETERS
    where listed there."""


class OpenDataFilterExtension(DjangoFilterExtension):
    # Without it, drf-spectacular would first guess a type for the filters that have no
    # model field of their name (unit, outcome…) and warn that it cannot.
    target_class = OpenDataFilterBackend
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        if field_name in DOCUMENTED_FILTERS:
            return []
        return super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )


class OpenDataView(CachedPageMixin, ListAPIView):
    """Public and the same for everyone (no login is looked at): its answers are cached."""

    permission_classes = [AllowAny]
    pagination_class = OpenDataPagination
    filter_backends = [OpenDataFilterBackend]

    def cache_audience(self):
        return PUBLIC


@extend_schema(
    summary=_("提案"),
    description=_(
        "提案及其承办单位和已公开的答复函。某件提案符合承办单位、办理结果分类和评价条件，"
        "是指它的同一件交办同时符合这些条件。"
    ),
    parameters=FILTER_PARAMETERS,
)
class ProposalListView(OpenDataView):
    serializer_class = ProposalSerializer
    filterset_class = ListingFilter

    def get_queryset(self):
        proposals = Proposal.objects.prefetch_related("co_signers")
        return listing_rows(proposals, visible_replies(published_only=True))


@extend_schema(
    summary=_("答复函"),
    description=_("已公开的答复函，每件一行；未公开的答复函不会出现。"),
    parameters=FILTER_PARAMETERS,
)
class ReplyListView(OpenDataView):
    serializer_class = ReplySerializer
    filterset_class = ReplyFilter

    def get_queryset(self):
        return ReplyLetter.objects.published().select_related(  # ReplyFilter adds the ratings
            "assignment__proposal__session", "unit", "outcome_class"
        )


class OpenAPIDocumentView(SpectacularJSONAPIView):
    """The OpenAPI document. The API has one version (SPECTACULAR_SETTINGS): `?version=` is
    not read, where drf-spectacular would print it into the Content-Disposition header, and a
    newline in it would be a 500."""

    def _get_version_parameter(self, request):
        return None
