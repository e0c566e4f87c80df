"""A member opens their personal link on a phone, rates, submits and sees the confirmation."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from proposals import links, services
from proposals.models import SatisfactionForm
from tests.factories import ProposerFactory, ReplyLetterFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_rates_a_reply_on_a_phone(browser, live_server, screenshot):
    proposer = ProposerFactory(name="李辉松", email="li@example.org", address="珠山区莲社北路1号")
    reply = ReplyLetterFactory(
        assignment__proposal__proposer=proposer,
        assignment__proposal__title="关于统筹发展景德镇日用陶瓷产业的建议",
        assignment__unit__name="国家试验区管委会办公室",
        body="您提出的提案已收悉。",
    )
    invitation = services.invitations_send(reply=reply)[0]
    url = live_server.url + reverse("proposals:member-form", args=[links.link_token(invitation)])

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = context.new_page()
    phone.goto(url)
    expect(phone.locator("h1")).to_have_text("政协提案办理情况征询意见表")
    expect(phone.locator(".official-form").first).to_contain_text(
        "关于统筹发展景德镇日用陶瓷产业的建议"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("member-form-phone", of=phone)

    phone.get_by_role("group", name="办理态度").get_by_label("满意", exact=True).check()
    phone.get_by_role("group", name="办理结果").get_by_label("基本满意").check()
    phone.fill("#id_comments", "谢谢，希望继续推进。")
    phone.fill("#id_signature_name", "李辉松")
    phone.click(".member-form__submit")

    expect(phone.locator(".notice--done")).to_contain_text("已提交，谢谢您的评价。")
    screenshot("member-form-submitted", of=phone)
    form = SatisfactionForm.objects.get()
    assert (form.attitude_rating, form.result_rating, form.channel) == (
        "satisfied",
        "basically_satisfied",
        "online",
    )
    phone.reload()  # a reload shows the submission again, and posts nothing
    expect(phone.locator(".notice--done")).to_be_visible()
    assert SatisfactionForm.objects.count() == 1
    context.close()
