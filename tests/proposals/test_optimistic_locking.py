"""Optimistic locking of reply letters (ReplyLetter.version): every write raises the version,
and the admin's change form saves only over the version it was loaded with. The second of two
concurrent edits gets a conflict, loses nothing, and can save again after review."""

import re
import threading

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from proposals import services
from proposals.letters.reader import read_letter
from proposals.models import ReplyLetter
from tests.factories import ReplyLetterFactory, SupervisorFactory, unit_staff
from tests.proposals.test_admin import admin_url
from tests.proposals.test_audit import reply_change_data
from tests.proposals.test_letter_reader import make_letter

pytestmark = pytest.mark.django_db

CONFLICT = "这件答复函已被他人修改（第{}版）：您的修改尚未保存。请核对下方当前内容后重新保存。"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def posted(reply, **overrides) -> dict:
    """The reply's change form posted as it was loaded, but for `overrides`."""
    return (
        reply_change_data(
            reply,
            round=reply.round,
            title=reply.title,
            addressee=reply.addressee,
            proposal_title=reply.proposal_title,
            body=reply.body,
            signing_unit=reply.signing_unit,
            signed_on=reply.signed_on.isoformat(),
            copied_to="，".join(reply.copied_to),
            contact_name=reply.contact_name,
            contact_phone=reply.contact_phone,
        )
        | overrides
    )


def loaded_version(response) -> str:
    """The version the change form carries, as the page gives it."""
    (version,) = re.findall(r'name="loaded_version" value="([^"]*)"', response.text)
    return version


@pytest.fixture
def reply():
    return ReplyLetterFactory(title="原标题", body="原正文")


@pytest.fixture
def two_editors(reply):
    """Two staff of the reply's unit, each with the change form open (loaded at version 1)."""
    first, second = logged_in(unit_staff(reply.unit)), logged_in(unit_staff(reply.unit))
    url = admin_url("replyletter", "change", reply.pk)
    for client in (first, second):
        assert loaded_version(client.get(url)) == "1"
    return first, second, url


def test_a_reply_starts_at_version_one(reply):
    assert reply.version == 1
    assert reply.history.get().version == 1


class TestConcurrentEdits:
    def test_the_second_save_gets_a_conflict_and_overwrites_nothing(self, reply, two_editors):
        first, second, url = two_editors
        response = first.post(url, posted(reply, title="第一人的标题"))
        assert response.status_code == 302
        response = second.post(url, posted(reply, body="第二人的正文"))

        assert response.status_code == 200
        assert CONFLICT.format(2) in response.text
        reply.refresh_from_db()
        assert (reply.title, reply.body, reply.version) == ("第一人的标题", "原正文", 2)
        assert reply.history.count() == 2

    def test_the_second_keeps_their_entries_and_sees_what_changed(self, reply, two_editors):
        first, second, url = two_editors
        first.post(url, posted(reply, title="第一人的标题"))
        response = second.post(url, posted(reply, body="第二人的正文"))

        form = response.context["adminform"].form
        assert form["body"].value() == "第二人的正文"  # their entries, to save again
        assert loaded_version(response) == "2"  # the stored version, to save over
        conflict = response.context["adminform"].form.conflict
        assert conflict["by_others"] and conflict["fields"] == [("标题", "第一人的标题")]
        page = response.text
        assert "自您打开本页以来，以下内容已被修改" in page
        assert "<td>第一人的标题</td>" in page
        assert admin_url("replyletter", "history", reply.pk) in page

    def test_saving_again_after_review_succeeds(self, reply, two_editors):
        first, second, url = two_editors
        first.post(url, posted(reply, title="第一人的标题"))
        data = posted(reply, title="第一人的标题", body="第二人的正文")
        response = second.post(url, data)
        data["loaded_version"] = loaded_version(response)

        assert second.post(url, data).status_code == 302
        reply.refresh_from_db()
        assert (reply.title, reply.body, reply.version) == ("第一人的标题", "第二人的正文", 3)

    def test_a_change_by_an_admin_action_is_a_conflict_too(self, reply):
        """A supervisor publishes the reply while another edits it: the other's save would
        have unpublished it."""
        staff = logged_in(SupervisorFactory())
        url = admin_url("replyletter", "change", reply.pk)
        staff.get(url)
        data = {"action": "publish", ACTION_CHECKBOX_NAME: [reply.pk]}
        logged_in(SupervisorFactory()).post(admin_url("replyletter", "changelist"), data)

        response = staff.post(url, posted(reply, title="新标题"))
        assert response.status_code == 200
        assert CONFLICT.format(2) in response.text
        reply.refresh_from_db()
        assert reply.is_published and reply.title == "原标题"

    def test_without_the_loaded_versions_history_the_differing_fields_are_shown(
        self, reply, two_editors
    ):
        first, second, url = two_editors
        first.post(url, posted(reply, title="第一人的标题"))
        reply.history.filter(version=1).delete()  # e.g. a reply from before the audit trail
        response = second.post(url, posted(reply, body="第二人的正文"))

        conflict = response.context["adminform"].form.conflict
        assert not conflict["by_others"]
        assert conflict["fields"] == [("标题", "第一人的标题"), ("正文", "原正文")]
        assert "以下内容与您填写的不同" in response.text

    @pytest.mark.parametrize(
        "version", [None, "", "abc", "²", "-1", "1.0", "9" * 50, "1\x00", "3", "0"]
    )
    def test_a_missing_or_tampered_version_is_a_conflict_not_a_500(self, reply, version):
        client = logged_in(SupervisorFactory())
        data = posted(reply, title="新标题")
        if version is None:
            del data["loaded_version"]
        else:
            data["loaded_version"] = version
        response = client.post(admin_url("replyletter", "change", reply.pk), data)

        assert response.status_code == 200
        assert CONFLICT.format(1) in response.text
        assert loaded_version(response) == "1"
        reply.refresh_from_db()
        assert (reply.title, reply.version) == ("原标题", 1)

    def test_a_new_reply_needs_no_version(self, reply):
        client = logged_in(unit_staff(reply.unit))
        data = posted(reply, round=2, doc_number="乙字〔2025〕2号")
        del data["loaded_version"]
        assert client.post(admin_url("replyletter", "add"), data).status_code == 302
        assert ReplyLetter.objects.get(round=2).version == 1


class TestEveryWriteRaisesTheVersion:
    def test_the_change_form(self, reply):
        client = logged_in(SupervisorFactory())
        url = admin_url("replyletter", "change", reply.pk)
        for expected in (2, 3):
            reply.refresh_from_db()
            assert client.post(url, posted(reply)).status_code == 302
            reply.refresh_from_db()
            assert reply.version == expected
        assert [row.version for row in reply.history.all()] == [3, 2, 1]

    def test_the_change_form_saves_with_one_conditional_update_more(self, reply):
        client = logged_in(SupervisorFactory())
        url = admin_url("replyletter", "change", reply.pk)
        with CaptureQueriesContext(connection) as queries:
            assert client.post(url, posted(reply, title="新标题")).status_code == 302
        updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "proposals_replyl')]
        assert len(updates) == 2
        assert re.search(r'WHERE .*"version" = 1', updates[0]), updates[0]

    def test_publish_and_unpublish(self, reply):
        other = ReplyLetterFactory(is_published=True)
        client = logged_in(SupervisorFactory())
        for action, expected in (("publish", (2, 1)), ("unpublish", (3, 2))):
            data = {"action": action, ACTION_CHECKBOX_NAME: [reply.pk, other.pk]}
            client.post(admin_url("replyletter", "changelist"), data)
            reply.refresh_from_db()
            other.refresh_from_db()
            assert (reply.version, other.version) == expected  # only the rows changed
        assert [row.version for row in reply.history.all()] == [3, 2, 1]

    def test_withdraw(self, reply):
        services.reply_withdraw(reply=reply, reason="误发")
        assert reply.version == 2
        reply.refresh_from_db()
        assert reply.version == 2 and reply.history.first().version == 2

    def test_the_letter_import_when_it_changes_the_reply(self):
        letter = read_letter(make_letter())
        reply = services.letter_import(letter=letter).reply
        assert ReplyLetter.objects.get(pk=reply.pk).version == 1
        assert services.letter_import(letter=letter).state == services.UNCHANGED
        assert ReplyLetter.objects.get(pk=reply.pk).version == 1

        changed = read_letter(make_letter(body="一是加强统筹。\n\n二是补充落实。"))
        assert services.letter_import(letter=changed).state == services.UPDATED
        reply.refresh_from_db()
        assert reply.version == 2 and reply.history.first().version == 2

    def test_an_import_over_an_open_form_makes_it_a_conflict(self):
        reply = services.letter_import(letter=read_letter(make_letter())).reply
        client = logged_in(SupervisorFactory())
        url = admin_url("replyletter", "change", reply.pk)
        client.get(url)
        services.letter_import(letter=read_letter(make_letter(contact="联系人及联系电话:张三 1")))
        reply.refresh_from_db()
        response = client.post(url, posted(reply, loaded_version=1))
        assert response.status_code == 200
        assert CONFLICT.format(2) in response.text


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migration_rows")
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs row locks: runs on PostgreSQL (CI)"
)
def test_two_saves_racing_past_the_check_one_wins(monkeypatch):
    """Two staff post the change form at once; both pass the form's check of the version and
    meet before the write: the conditional UPDATE lets exactly one through."""
    reply = ReplyLetterFactory(title="原标题")
    url = admin_url("replyletter", "change", reply.pk)
    clients = [logged_in(unit_staff(reply.unit)) for _ in range(2)]
    save = services.reply_save
    checked = threading.Barrier(2, timeout=10)
    writes = []

    def save_once_both_checked(**kwargs):
        writes.append(kwargs["loaded_version"])
        checked.wait()
        return save(**kwargs)

    monkeypatch.setattr(services, "reply_save", save_once_both_checked)
    outcomes = {}

    def post(client, title):
        try:
            response = client.post(url, posted(reply, title=title))
            outcomes[title] = (response.status_code, CONFLICT.format(2) in response.text)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=post, args=(client, title))
        for client, title in zip(clients, ["甲的标题", "乙的标题"], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert writes == [1, 1]  # both passed the form's check; shown again, the loser's did not
    assert sorted(outcomes.values()) == [(200, True), (302, False)]
    winner = next(title for title, (status, _) in outcomes.items() if status == 302)
    reply.refresh_from_db()
    assert (reply.title, reply.version) == (winner, 2)
    assert reply.history.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migration_rows")
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs row locks: runs on PostgreSQL (CI)"
)
def test_many_saves_of_one_version_at_once_one_wins():
    reply = ReplyLetterFactory()
    start = threading.Barrier(4, timeout=10)
    outcomes = []

    def save(title):
        try:
            mine = ReplyLetter.objects.get(pk=reply.pk)
            mine.title = title
            start.wait()
            services.reply_save(reply=mine, loaded_version=1)
            outcomes.append(title)
        except services.ReplyChanged:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(f"标题{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("conflict") == 3
    reply.refresh_from_db()
    assert reply.version == 2 and reply.title in outcomes
