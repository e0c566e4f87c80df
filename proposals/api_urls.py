"""The read-only open-data API and its OpenAPI document (JSON only: no Swagger UI, whose
assets would come from a CDN)."""

from django.urls import path

from . import api

app_name = "api"

urlpatterns = [
    path("proposals/", api.ProposalListView.as_view(), name="proposals"),
    path("replies/", api.ReplyListView.as_view(), name="replies"),
    path("openapi.json", api.OpenAPIDocumentView.as_view(), name="openapi"),
]
