import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_the_dev_admin_can_log_in_on_the_site_too(settings):
    settings.DEBUG = True

    call_command("create_dev_admin")

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    assert EmailAddress.objects.get(user=admin).verified


def test_the_dev_admin_is_refused_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        call_command("create_dev_admin")
