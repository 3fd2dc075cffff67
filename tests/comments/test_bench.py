import re
from io import StringIO

import pytest
from django.core.management import call_command

from comments.models import Comment


@pytest.mark.django_db
def test_the_discussion_benchmark_reports_equal_queries_and_leaves_nothing(settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    out = StringIO()

    call_command("bench_discussion", repeat=1, stdout=out)

    rows = re.findall(r"^\s+(\d+)\s+(anonymous|logged in)\s+(\d+)\s", out.getvalue(), re.M)
    queries = {(reader, int(count)): int(number) for count, reader, number in rows}
    assert sorted({count for _, count in queries}) == [0, 10, 500]
    for reader in ("anonymous", "logged in"):
        assert queries[reader, 0] == queries[reader, 10] == queries[reader, 500]
    assert Comment.objects.count() == 0
