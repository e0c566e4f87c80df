from importlib import import_module

import pytest
from django.core.cache import cache
from django.db import connection


def pytest_report_header(config):
    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: the local memory cache outlives the test's data."""
    cache.clear()


@pytest.fixture
def migration_rows(transactional_db):
    """Transactional tests end with a flush, which also removes the rows data migrations
    install (the default outcome scheme, the supervisors group): put them back. (Django's
    serialized_rollback cannot: Playwright's event loop, or a test's threads, use another
    connection.)"""
    from django.apps import apps

    import_module("proposals.migrations.0002_default_outcome_scheme").install(apps, None)
    import_module("offices.migrations.0002_supervisors_group").create_group(apps, None)
