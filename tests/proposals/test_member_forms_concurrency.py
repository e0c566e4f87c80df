"""Two submissions of one link at the same moment, on real concurrent connections."""

import threading

import pytest
from django.db import connection, connections

from proposals import services
from proposals.models import SatisfactionForm
from tests.factories import ProposerFactory, ReplyLetterFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_rows"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs row locks: runs on PostgreSQL (CI)"
    ),
]


def test_two_submissions_at_once_keep_one_form():
    reply = ReplyLetterFactory(assignment__proposal__proposer=ProposerFactory(email="m@x.org"))
    invitation = services.invitations_send(reply=reply)[0]
    start = threading.Barrier(2)
    outcomes = []

    def submit(rating):
        try:
            start.wait()
            services.form_submit(
                invitation=invitation,
                attitude_rating=rating,
                result_rating=rating,
                comments="",
                signature_name="委员",
            )
            outcomes.append("saved")
        except services.FormNotAccepted as refused:
            outcomes.append(refused.reason)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(r,)) for r in ("satisfied", "dissatisfied")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already_submitted", "saved"]
    assert SatisfactionForm.objects.count() == 1
