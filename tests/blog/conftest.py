import pytest

from .factories import StaffFactory


@pytest.fixture
def editor(client):
    """A logged-in superuser: the editor who works in the admin."""
    user = StaffFactory(username="editor")
    client.force_login(user)
    return user
