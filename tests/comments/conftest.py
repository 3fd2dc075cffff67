import pytest
from django.contrib.auth.models import Group

from comments.groups import MODERATORS
from comments.models import DiscussionSettings
from tests.blog.factories import UserFactory


@pytest.fixture
def moderator(db):
    """A staff user in the Moderators group, as the site's moderators are made."""
    user = UserFactory(is_staff=True, email="mod@example.org")
    user.groups.add(Group.objects.get(name=MODERATORS))
    return user


@pytest.fixture
def discussion_rules(db):
    """Set discussion rules as an editor does in the admin: `discussion_rules(flood_interval=0)`."""

    def set_rules(**values):
        row = DiscussionSettings.load()
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
        return row

    return set_rules
