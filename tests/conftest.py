import pytest


@pytest.fixture(autouse=True)
def _plain_static_and_chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"
