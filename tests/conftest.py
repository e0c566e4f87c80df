from django.db import connection


def pytest_report_header(config):
    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"
