"""The database unreachable: /healthz says so, every page answers a short 503 (JSON under
/api/) instead of a 500, and the next request after the database is back is served."""

import json
import logging
import wsgiref.util
from unittest import mock

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import InterfaceError, OperationalError, connection, connections
from django.urls import reverse

from tests.factories import SupervisorFactory

pytestmark = pytest.mark.django_db

# What psycopg says when the server is gone: none of it may reach a visitor.
ERROR_TEXT = 'connection to server at "db-internal.example" (10.1.2.3), port 5432 failed'


def database_down(error_class=OperationalError):
    """Every query fails as it would with the server down: no connection can be made."""
    return mock.patch.object(
        connections["default"], "ensure_connection", side_effect=error_class(ERROR_TEXT)
    )


def assert_unavailable_page(response):
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    content = response.content.decode()
    assert "服务暂时不可用" in content
    for leak in ("Traceback", "db-internal", "10.1.2.3", "OperationalError"):
        assert leak not in content


def assert_unavailable_json(response):
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {"detail": "服务暂时不可用，请稍后再试。"}


class TestHealthz:
    def test_ok_with_one_query(self, client, django_assert_num_queries):
        with django_assert_num_queries(1):
            response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}
        assert "no-store" in response["Cache-Control"]

    def test_unavailable_says_nothing_of_the_error(self, client, caplog):
        with database_down(), caplog.at_level(logging.WARNING):
            response = client.get("/healthz")
        assert response.status_code == 503
        assert json.loads(response.content) == {"status": "error", "database": "unavailable"}
        assert "no-store" in response["Cache-Control"]
        [record] = caplog.records
        assert record.levelno == logging.WARNING and record.exc_info is None
        assert "db-internal" in record.getMessage()

    def test_needs_no_login_and_touches_no_session(self, client):
        client.force_login(SupervisorFactory())
        with database_down():
            response = client.get("/healthz")
        assert response.status_code == 503
        assert "Cookie" not in response.get("Vary", "")
        assert not response.cookies

    def test_only_reads(self, client):
        assert client.post("/healthz").status_code == 405


@pytest.fixture
def signalled_client(client):
    """For errors raised outside the view: Django signals them as it turns them into a response
    (through handler500), and the test client would raise them again instead of returning the
    response a visitor gets. Those the view raises are answered by the middleware unsignalled,
    so the other tests keep the client that would raise them."""
    client.raise_request_exception = False
    return client


class TestDatabaseDown:
    """The failure raised in the view, its template or a middleware: always the 503."""

    @pytest.mark.parametrize("error_class", [OperationalError, InterfaceError])
    def test_a_public_page(self, client, caplog, error_class):
        with database_down(error_class), caplog.at_level(logging.WARNING):
            response = client.get(reverse("proposals:list"))
        assert_unavailable_page(response)
        assert [r.levelname for r in caplog.records] == ["WARNING"]
        assert caplog.records[0].exc_info is None

    def test_in_english_when_chosen(self, client):
        client.cookies["django_language"] = "en"
        with database_down():
            response = client.get(reverse("proposals:list"))
        assert response.status_code == 503
        assert '<html lang="en">' in response.content.decode()

    def test_an_admin_page(self, client):
        client.force_login(SupervisorFactory())
        with database_down():
            response = client.get(reverse("admin:proposals_proposal_changelist"))
        assert_unavailable_page(response)

    @pytest.mark.parametrize("name", ["api:replies", "api:proposals"])
    def test_the_api_answers_json(self, client, name):
        with database_down():
            response = client.get(reverse(name))
        assert_unavailable_json(response)

    def test_raised_by_a_middleware(self, signalled_client, caplog):
        """A session saved after the view, as the database goes away: Django turns the
        middleware's error into a response itself, through handler500."""
        failing_save = mock.patch.object(
            SessionMiddleware, "process_response", side_effect=OperationalError(ERROR_TEXT)
        )
        with failing_save, caplog.at_level(logging.WARNING):
            page = signalled_client.get(reverse("proposals:list"))
            api = signalled_client.get(reverse("api:replies"))
        assert_unavailable_page(page)
        assert_unavailable_json(api)
        # One line each at WARNING; not Django's error with its traceback.
        assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING"]
        assert all(r.exc_info is None for r in caplog.records)

    def test_while_rendering_the_404_page(self, signalled_client):
        """The 404 page's context processors read the signed-in user from the database."""
        signalled_client.force_login(SupervisorFactory())
        with database_down():
            response = signalled_client.get("/no-such-page/")
        assert_unavailable_page(response)

    def test_other_errors_are_still_500(self, signalled_client):
        failing = mock.patch.object(
            SessionMiddleware, "process_response", side_effect=RuntimeError("bug")
        )
        with failing:
            response = signalled_client.get(reverse("proposals:list"))
        assert response.status_code == 500
        assert "服务器出错" in response.content.decode()

    def test_served_again_once_the_database_is_back(self, client):
        client.force_login(SupervisorFactory())
        with database_down():
            assert client.get(reverse("proposals:list")).status_code == 503
            assert client.get("/healthz").status_code == 503
        assert client.get(reverse("proposals:list")).status_code == 200
        assert client.get(reverse("admin:index")).status_code == 200
        assert client.get("/healthz").status_code == 200


def wsgi_get(path: str) -> int:
    """A request through Django's WSGI handler, as gunicorn makes it: unlike the test client,
    it lets Django close an unusable or expired connection when the request starts and ends."""
    environ = {"PATH_INFO": path}
    wsgiref.util.setup_testing_defaults(environ)
    status = []
    response = WSGIHandler()(environ, lambda line, headers: status.append(line))
    b"".join(response)
    response.close()
    return int(status[0].split()[0])


def terminate_backend(pid: int) -> None:
    """End a server process from another connection, as a restart or a failover would."""
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    finally:
        other.close()


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="terminates a PostgreSQL backend")
class TestLostConnection:
    """The persistent connection (CONN_MAX_AGE) of a worker is killed between two requests."""

    @pytest.fixture(autouse=True)
    def _database(self, transactional_db, migration_rows):
        pass

    def test_health_check_replaces_it_before_the_first_query(self):
        assert wsgi_get(reverse("proposals:list")) == 200
        assert connection.connection is not None, "the connection persists between requests"
        terminate_backend(backend_pid())
        cache.clear()  # the page is computed anew, from the database
        assert wsgi_get(reverse("proposals:list")) == 200
        assert wsgi_get("/healthz") == 200

    def test_without_health_checks_one_request_fails_then_the_next_is_served(self):
        with mock.patch.dict(connection.settings_dict, {"CONN_HEALTH_CHECKS": False}):
            connection.close()
            assert wsgi_get(reverse("proposals:list")) == 200
            terminate_backend(backend_pid())
            cache.clear()
            # The connection dies under this request: the 503, and Django closes it.
            assert wsgi_get(reverse("proposals:list")) == 503
            assert connection.connection is None
            assert wsgi_get(reverse("proposals:list")) == 200
            assert wsgi_get("/healthz") == 200
