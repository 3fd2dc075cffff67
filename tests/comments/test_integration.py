"""How the comments app sits in the project: sites, settings, warnings, the admin."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.sites.models import Site
from django_comments_xtd import get_model

from comments.models import Comment
from tests.blog.factories import ArticleFactory

from .factories import CommentFactory


def test_the_site_model_is_comments_comment():
    assert get_model() is Comment
    assert settings.COMMENTS_XTD_MODEL == "comments.models.Comment"


@pytest.mark.django_db
def test_the_site_row_holds_the_configured_domain_after_migrate():
    site = Site.objects.get(pk=settings.SITE_ID)

    assert site.domain == settings.SITE_DOMAIN == "testserver"
    assert site.name == settings.SITE_NAME


@pytest.mark.django_db
def test_migrate_rewrites_the_site_from_settings(settings):
    from comments.sites import sync_site

    Site.objects.filter(pk=settings.SITE_ID).update(domain="example.com")
    settings.SITE_DOMAIN = "liaison.example.net"

    sync_site()

    assert Site.objects.get_current().domain == "liaison.example.net"


def test_importing_the_project_emits_no_deprecation_warning():
    code = (
        "import django, importlib; django.setup();"
        "import config.urls, comments.views, comments.admin, comments.forms,"
        " comments.templatetags.discussion, blog.views, blog.admin"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error::DeprecationWarning",
            "-W",
            "error::PendingDeprecationWarning",
            "-c",
            code,
        ],
        capture_output=True,
        text=True,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "import-check",
            "ENV_FILE": "",
            "PATH": "/usr/bin:/bin",
        },
        check=False,
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_the_admin_approves_through_the_model(client, django_capture_on_commit_callbacks):
    from tests.blog.factories import StaffFactory

    client.force_login(StaffFactory())
    article = ArticleFactory()
    held = CommentFactory(article=article, is_public=False)

    response = client.post(
        "/admin/comments/comment/",
        {"action": "approve_comments", "_selected_action": [held.pk]},
    )

    assert response.status_code == 302
    held.refresh_from_db()
    assert held.is_public is True
    article.refresh_from_db()
    assert article.comment_count == 1


@pytest.mark.django_db
def test_no_page_links_to_example_com(client):
    article = ArticleFactory()
    CommentFactory(article=article)

    for url in ["/", article.get_absolute_url(), "/feed/", "/sitemap.xml"]:
        assert b"example.com" not in client.get(url).content


@pytest.mark.django_db
def test_deleting_an_article_deletes_its_comments_only():
    from django_comments.models import Comment as ContribComment

    article = ArticleFactory()
    CommentFactory(parent=CommentFactory(article=article))
    kept = CommentFactory(article=ArticleFactory())

    article.delete()

    assert list(Comment.objects.all()) == [kept]
    assert ContribComment.objects.count() == 1
