from django.urls import path

from . import views

app_name = "proposals"

urlpatterns = [
    path("proposals/", views.ProposalListView.as_view(), name="list"),
    path("proposals/<int:pk>/", views.ProposalDetailView.as_view(), name="detail"),
    path("forms/<str:token>/", views.MemberFormView.as_view(), name="member-form"),
    path("print/replies/<int:pk>/letter/", views.PrintLetterView.as_view(), name="print-letter"),
    path("print/replies/<int:pk>/form/", views.PrintFormView.as_view(), name="print-form"),
    path("print/form/", views.PrintFormView.as_view(), name="print-blank-form"),
    path(
        "print/replies/<int:pk>/letter.docx",
        views.PrintLetterDocxView.as_view(),
        name="print-letter-docx",
    ),
    path(
        "print/replies/<int:pk>/form.docx",
        views.PrintFormDocxView.as_view(),
        name="print-form-docx",
    ),
    path("print/form.docx", views.PrintFormDocxView.as_view(), name="print-blank-form-docx"),
    path(
        "proposals/replies/<int:pk>/letter.docx",
        views.LetterDocxView.as_view(),
        name="public-letter-docx",
    ),
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
