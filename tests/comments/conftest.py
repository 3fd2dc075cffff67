import pytest

from comments.models import DiscussionSettings


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
