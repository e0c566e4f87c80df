from django.urls import path

from . import views

app_name = "proposals"

urlpatterns = [
    path("proposals/", views.ProposalListView.as_view(), name="list"),
    path("proposals/<int:pk>/", views.ProposalDetailView.as_view(), name="detail"),
    path("supervision/", views.StatisticsView.as_view(), name="statistics"),
    path(
        "supervision/proposals/",
        views.SupervisorProposalListView.as_view(),
        name="supervision-list",
    ),
    path(
        "supervision/proposals/<int:pk>/",
        views.SupervisorProposalDetailView.as_view(),
        name="supervision-detail",
    ),
]
