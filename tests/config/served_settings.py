"""The project's settings for a copy of the site served by gunicorn inside a test.

Only what a test run needs differs: static files are read straight from static/ (no
collectstatic, as the tests' `plain_static_storage` fixture does), and passwords are
hashed fast.
"""

from config.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
