"""The hardened deployment: `check --deploy`, the Content Security Policy and the other
security headers, login throttling (django-axes), passwords, sessions, and the scans of
paper forms (checked by content, served only to those who may see them, never run)."""

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from config.security import client_ip
from proposals.models import SatisfactionForm
from tests.factories import (
    AssignmentFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    SupervisorFactory,
    UserFactory,
    unit_staff,
)

PROJECT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "SECRET_KEY": "production-like-secret-" + "k" * 40,
    "ALLOWED_HOSTS": "proposals.example.gov.cn",
    "DATABASE_URL": "sqlite:////tmp/harden-check-deploy.sqlite3",
}
EXPECTED_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


def check_deploy(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env={**clean, **PRODUCTION, **env},
        capture_output=True,
        text=True,
    )


def test_check_deploy_finds_nothing_with_the_production_settings():
    result = check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_hsts_preload_can_be_turned_off_and_check_deploy_then_says_so():
    result = check_deploy(SECURE_HSTS_PRELOAD="false")
    assert result.returncode != 0
    assert "security.W021" in result.stderr


# --- Content Security Policy and the other headers -------------------------------------

TEMPLATES = PROJECT / "templates"
# <script> or <style> without a nonce, a style attribute, an inline event handler.
INLINE = re.compile(
    r"<(script|style)\b(?![^>]*\b(nonce=|csp_nonce_attr|src=))[^>]*>|\sstyle=|\son[a-z]+=",
    re.IGNORECASE,
)


def test_no_template_has_inline_code_or_styles_a_nonce_cannot_cover():
    found = [
        f"{path.relative_to(PROJECT)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in INLINE.finditer(path.read_text())
    ]
    assert found == []


@pytest.mark.django_db
def test_public_pages_carry_the_policy_and_no_nonce_so_that_cached_copies_stay_valid(client):
    first = client.get(reverse("proposals:list"))
    again = client.get(reverse("proposals:list"))  # from the page cache
    for response in (first, again):
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == EXPECTED_POLICY
        assert "nonce" not in response.text
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(SupervisorFactory())  # the statistics are cached for supervisors
    for _ in range(2):
        assert "nonce" not in client.get(reverse("proposals:statistics")).text


@pytest.mark.django_db
def test_the_admin_gets_a_fresh_nonce_for_its_inline_script(client):
    client.force_login(SupervisorFactory())
    url = reverse("admin:proposals_satisfactionform_add")
    nonces = []
    for _ in range(2):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        nonce = re.search(r"script-src 'self' 'nonce-([\w-]+)'", policy).group(1)
        assert f"style-src 'self' 'nonce-{nonce}'" in policy
        assert f'nonce="{nonce}"' in response.text
        # Every inline script of the page carries it.
        for tag in re.findall(r"<script\b(?![^>]*\bsrc=)[^>]*>", response.text):
            assert f'nonce="{nonce}"' in tag
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


@pytest.mark.django_db
def test_admin_marks_that_need_attention_use_a_class_not_a_style_attribute(client):
    supervisor = SupervisorFactory()
    AssignmentFactory(due_on=timezone.localdate() - datetime.timedelta(days=3))
    form = SatisfactionFormFactory(
        proposal_title_on_form="另一个标题",
        voided_at=timezone.now(),
        voided_by=supervisor,
        void_reason="单位代填",
    )
    client.force_login(supervisor)
    for url in (
        reverse("admin:proposals_assignment_changelist"),
        reverse("admin:proposals_satisfactionform_change", args=[form.pk]),
    ):
        page = client.get(url).text
        assert 'class="alert-text"' in page
        assert " style=" not in page


def test_the_error_pages_use_a_stylesheet():
    from django.template.loader import render_to_string

    for name in ("500.html", "503.html"):
        page = render_to_string(name, {"contact": "提案委"})
        assert "css/error.css" in page
        assert "style=" not in page


# --- Login throttling -------------------------------------------------------------------

LOGIN = "/admin/login/"
ATTACKER = "203.0.113.7"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True


def log_in(client, username, password, address=ATTACKER):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_five_wrong_passwords_lock_out_that_username_from_that_address(client, axes_on):
    UserFactory(username="clerk")
    for _ in range(5):
        refused = log_in(client, "clerk", "wrong-password")
        assert refused.status_code in (200, 429)
    locked = log_in(client, "clerk", "pass-word-123")
    assert locked.status_code == 429
    assert not locked.wsgi_request.user.is_authenticated
    assert "密码错误次数过多，该账号的登录已暂停 15 分钟" in locked.text
    assert not re.search(r">[^<]*nonce=", locked.text)  # a nonce only inside tags
    assert locked["Content-Security-Policy"].startswith("default-src 'self'")


@pytest.mark.django_db
def test_a_lockout_leaves_other_users_and_other_addresses_alone(client, axes_on):
    UserFactory(username="clerk")
    UserFactory(username="colleague")
    for _ in range(5):
        log_in(client, "clerk", "wrong-password")
    assert logged_in(log_in(client, "colleague", "pass-word-123"))
    client.logout()
    assert logged_in(log_in(client, "clerk", "pass-word-123", address="198.51.100.20"))


@pytest.mark.django_db
def test_a_success_clears_the_count(client, axes_on):
    UserFactory(username="clerk")
    for _ in range(4):
        log_in(client, "clerk", "wrong-password")
    assert logged_in(log_in(client, "clerk", "pass-word-123"))
    client.logout()
    for _ in range(4):
        log_in(client, "clerk", "wrong-password")
    assert logged_in(log_in(client, "clerk", "pass-word-123"))


@pytest.mark.django_db
def test_the_lockout_ends_after_the_cool_off(client, axes_on, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=0)
    UserFactory(username="clerk")
    for _ in range(5):
        log_in(client, "clerk", "wrong-password")
    assert logged_in(log_in(client, "clerk", "pass-word-123"))


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),  # through the local proxy
        ("127.0.0.1", "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client's own claim ignored
        ("127.0.0.1", "", "127.0.0.1"),
        ("198.51.100.1", "203.0.113.7", "198.51.100.1"),  # not a proxy: the header is ignored
    ],
)
def test_the_client_address_is_what_the_trusted_proxy_saw(settings, remote, forwarded, client):
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1", "::1"]
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == client


def test_a_chain_of_trusted_proxies_is_walked_back_to_the_client(settings):
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1", "10.0.0.2"]
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.2"
    )
    assert client_ip(request) == "203.0.113.7"


def test_with_any_proxy_trusted_only_the_nearest_ones_word_counts(settings):
    settings.FORWARDED_ALLOW_IPS = ["*"]
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    assert client_ip(request) == "203.0.113.7"


# --- Passwords and sessions -------------------------------------------------------------


def test_passwords_need_twelve_characters():
    with pytest.raises(ValidationError, match="12"):
        validate_password("Tq7#mzLp9x!")  # 11
    validate_password("Tq7#mzLp9x!w")


@pytest.mark.django_db
def test_a_staff_session_ends_with_the_browser_and_lasts_a_working_day_at_most(client):
    UserFactory(username="clerk")
    response = log_in(client, "clerk", "pass-word-123")
    assert logged_in(response)
    cookie = response.cookies["sessionid"]
    assert not cookie["expires"] and not cookie["max-age"]  # gone when the browser closes
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert client.session.get_expiry_age() == 8 * 60 * 60
    assert response.cookies["csrftoken"]["samesite"] == "Lax"


# --- Scans of paper forms ---------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def scanned_form(media):
    form = SatisfactionFormFactory()
    form.scan.save("forms/2025/05/0123456789abcdef0123456789abcdef.pdf", ContentFile(PDF))
    return form


def post_paper_form(client, reply, upload):
    return client.post(
        reverse("admin:proposals_satisfactionform_add"),
        {
            "reply": reply.pk,
            "rater": reply.assignment.proposal.proposer.pk,
            "attitude_rating": "satisfied",
            "result_rating": "satisfied",
            "scan": upload,
        },
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("表.pdf", b"<html><script>alert(1)</script>", "application/pdf"),
        SimpleUploadedFile("表.jpg", b"GIF89a\x01\x00\x01\x00", "image/jpeg"),
        SimpleUploadedFile("表.png", b"MZ\x90\x00 an executable", "image/png"),
    ],
)
def test_a_scan_that_is_not_a_pdf_png_or_jpeg_by_content_is_refused(client, media, upload):
    reply = ReplyLetterFactory()
    client.force_login(unit_staff(reply.unit))
    response = post_paper_form(client, reply, upload)
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors["scan"])
    assert "扫描件须是 PDF、PNG 或 JPEG 文件" in errors
    assert not SatisfactionForm.objects.exists()
    assert not any(media.rglob("*.*"))


@pytest.mark.django_db
def test_a_scan_over_the_size_limit_is_refused(client, media, settings):
    settings.SCAN_MAX_MB = 1
    reply = ReplyLetterFactory()
    client.force_login(unit_staff(reply.unit))
    big = SimpleUploadedFile("表.jpg", b"\xff\xd8\xff\xe0" + b"0" * (1024 * 1024), "image/jpeg")
    response = post_paper_form(client, reply, big)
    assert "1 MB" in str(response.context["adminform"].form.errors["scan"])
    assert not SatisfactionForm.objects.exists()


@pytest.mark.django_db
def test_a_jpeg_scan_is_kept_under_a_generated_name(client, media):
    reply = ReplyLetterFactory()
    client.force_login(unit_staff(reply.unit))
    jpeg = SimpleUploadedFile("../../李委员.php.jpg", b"\xff\xd8\xff\xe0 jpeg", "image/jpeg")
    assert post_paper_form(client, reply, jpeg).status_code == 302
    name = SatisfactionForm.objects.get().scan.name
    assert re.fullmatch(r"forms/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", name)
    assert (media / name).read_bytes() == b"\xff\xd8\xff\xe0 jpeg"


@pytest.mark.django_db
def test_a_scan_is_downloaded_never_shown_inline(client, scanned_form):
    client.force_login(unit_staff(scanned_form.reply.unit))
    response = client.get(reverse("admin:proposals_satisfactionform_scan", args=[scanned_form.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="0123456789abcdef0123456789abcdef.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.django_db
def test_a_scan_is_served_to_the_units_staff_and_supervisors_only(client, scanned_form):
    url = reverse("admin:proposals_satisfactionform_scan", args=[scanned_form.pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(LOGIN)
    client.force_login(unit_staff(AssignmentFactory().unit))  # another unit's staff
    assert client.get(url).status_code == 404
    client.force_login(SupervisorFactory())
    assert client.get(url).status_code == 200
    client.force_login(UserFactory(is_staff=False))
    assert client.get(url).status_code == 302
    # Nothing under MEDIA_URL: the file is reachable through the view alone.
    client.logout()
    assert client.get(f"/media/{scanned_form.scan.name}").status_code == 404


@pytest.mark.django_db
def test_a_scan_missing_from_the_storage_is_a_404_not_a_500(client, scanned_form, media):
    (media / scanned_form.scan.name).unlink()
    client.force_login(SupervisorFactory())
    url = reverse("admin:proposals_satisfactionform_scan", args=[scanned_form.pk])
    assert client.get(url).status_code == 404
