"""After an erasure no table holds the reader's email, username, name or IP address: every
text column of every table is searched in raw SQL, on PostgreSQL (information_schema) and on
SQLite (sqlite_master and pragma table_info). `-s` prints the columns searched."""

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse

from comments import services
from comments.models import Comment, Commenter, ModerationEvent
from tests.blog.factories import ArticleFactory, UserFactory

from .test_posting import form_data

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
EMAIL = "hortensia.quill@example.net"
SECOND_EMAIL = "h.quill.second@example.org"
USERNAME = "hortensia-q"
FULL_NAME = "Hortensia Quillfeather"
IP = "203.0.113.77"
SOUGHT = [EMAIL, SECOND_EMAIL, USERNAME, FULL_NAME, IP]

# Text types, and PostgreSQL's inet (where GenericIPAddressField keeps an address).
POSTGRES_TYPES = ("text", "character varying", "character", "json", "jsonb", "inet")
SQLITE_TYPES = ("char", "text", "clob", "json")


def text_columns():
    """[(table, column)] of every text-like column of every table of the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.table_name, c.column_name FROM information_schema.columns c "
                "JOIN information_schema.tables t "
                "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' "
                "AND c.data_type = ANY(%s) ORDER BY c.table_name, c.column_name",
                [list(POSTGRES_TYPES)],
            )
            return cursor.fetchall()
        assert connection.vendor == "sqlite", connection.vendor
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        tables = [row[0] for row in cursor.fetchall()]
        columns = []
        for table in tables:
            cursor.execute(f"PRAGMA table_info({connection.ops.quote_name(table)})")
            for _, name, declared, *_ in cursor.fetchall():
                if any(kind in declared.lower() for kind in SQLITE_TYPES):
                    columns.append((table, name))
        return columns


def search(values):
    """{(table, column, value)} wherever a value is found, case-insensitively, anywhere in a
    text column (JSON and inet as their text)."""
    found = set()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in text_columns():
            for value in values:
                if connection.vendor == "postgresql":
                    sql = (
                        f"SELECT 1 FROM {quote(table)} WHERE {quote(column)}::text ILIKE %s LIMIT 1"
                    )
                    pattern = f"%{value}%"
                else:
                    # instr, not LIKE: "_" in a value is no wildcard, and lower() both sides
                    # makes it case-insensitive as ILIKE is.
                    sql = (
                        f"SELECT 1 FROM {quote(table)} "
                        f"WHERE instr(lower(CAST({quote(column)} AS TEXT)), lower(%s)) > 0 LIMIT 1"
                    )
                    pattern = value
                cursor.execute(sql, [pattern])
                if cursor.fetchone():
                    found.add((table, column, value))
    return found


def a_reader_who_did_everything(client, moderator, run_tasks, capture):
    """Hortensia signs up (two addresses), connects GitHub, comments (from an IP, asking for
    follow-ups), is approved and trusted with a note naming her, reports a comment, is
    emailed about another reader's comment, and is named in the admin's log."""
    user = UserFactory(
        username=USERNAME, first_name="Hortensia", last_name="Quillfeather", email=EMAIL
    )
    EmailAddress.objects.create(user=user, email=EMAIL, primary=True, verified=True)
    EmailAddress.objects.create(user=user, email=SECOND_EMAIL, verified=False)
    app = SocialApp.objects.create(provider="github", name="GitHub", client_id="id", secret="s")
    github = SocialAccount.objects.create(
        user=user,
        provider="github",
        uid="98765432",
        extra_data={"login": "hquill", "name": FULL_NAME, "email": EMAIL, "blog": IP},
    )
    SocialToken.objects.create(app=app, account=github, token="gho_token")

    article = ArticleFactory(title="Kaesong liaison office")
    other = UserFactory(username="minji", first_name="Min-ji", last_name="Park")
    others_comment = services.post_comment(
        article, other, form_data(article, text="The summit failed first."), "198.51.100.4"
    ).comment
    client.login(username=USERNAME, password=PASSWORD)
    with capture(execute=True):
        for text in ["The leaflets were only the pretext.", "Succession explains the timing."]:
            client.post(
                f"/comments/post/{article.pk}/",
                form_data(article, text=text, followup="on"),
                REMOTE_ADDR=IP,
            )
        for comment in Comment.objects.filter(user=user):
            services.approve(comment, by=moderator)
        services.approve(others_comment, by=moderator)
        client.post(reverse("comments:report", args=[others_comment.pk]))
        Commenter.set_standing(
            user, Commenter.Standing.TRUSTED, by=moderator, note=f"{FULL_NAME} writes well"
        )
        # Min-ji comments again: Hortensia follows the article and is emailed.
        later = services.post_comment(
            article, other, form_data(article, text="Sanctions, then."), "198.51.100.4"
        ).comment
        services.approve(later, by=moderator)
    run_tasks()
    LogEntry.objects.create(
        user=moderator,
        content_type=ContentType.objects.get_for_model(user),
        object_id=str(user.pk),
        object_repr=str(user),
        action_flag=CHANGE,
        change_message="[]",
    )
    return user


def test_no_table_holds_the_reader_after_an_erasure(
    client, moderator, discussion_rules, run_tasks, django_capture_on_commit_callbacks
):
    discussion_rules(flood_interval=0)
    user = a_reader_who_did_everything(
        client, moderator, run_tasks, django_capture_on_commit_callbacks
    )
    columns = text_columns()
    before = search(SOUGHT)
    assert Comment.objects.filter(user=user, ip_address=IP).count() == 2
    assert ModerationEvent.objects.filter(commenter=user).exists()
    # The search finds the reader where they were: it would find them if they stayed.
    assert {(table, value) for table, _, value in before} >= {
        ("auth_user", USERNAME),
        ("auth_user", EMAIL),
        ("account_emailaddress", SECOND_EMAIL),
        ("django_comments", FULL_NAME),
        ("django_comments", EMAIL),
        ("django_comments", IP),
        ("socialaccount_socialaccount", FULL_NAME),
        ("comments_moderationevent", FULL_NAME),
        ("comments_commenter", FULL_NAME),
        ("django_admin_log", USERNAME),
        ("django_tasks_database_dbtaskresult", EMAIL),
    }

    client.post(reverse("account_erase"), {"password": PASSWORD})

    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert search(SOUGHT) == set()
    print(f"\nsearched {len(columns)} text columns of {connection.vendor}, for {SOUGHT}:")
    for table, column in columns:
        print(f"  {table}.{column}")
    print(f"found before the erasure: {len(before)} (table, column, value):")
    for hit in sorted(before):
        print(f"  {hit}")
