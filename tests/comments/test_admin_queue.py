"""The moderator's queue in the admin: states and their counts, filters, search, bulk
decisions through the model's methods (recorded, recounted, emailed), a comment's page
with its audit trail and buttons, commenters, the discussion settings, the audit trail."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments import services
from comments.groups import MODERATORS
from comments.models import (
    Comment,
    Commenter,
    DiscussionSettings,
    ModerationEvent,
    Report,
    current_rules,
)
from tests.blog.factories import ArticleFactory, StaffFactory, UserFactory

from .factories import CommentFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:comments_comment_changelist")


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def article():
    return ArticleFactory(title="Kaesong liaison office")


def spam(**kwargs):
    return CommentFactory(is_removed=True, is_spam=True, **kwargs)


def listed(response):
    return set(response.context["cl"].result_list)


def act(client, action, comments, **query):
    """Apply a bulk action from the queue, as the changelist's form posts it."""
    return client.post(
        QUEUE,
        {"action": action, "_selected_action": [comment.pk for comment in comments], **query},
        follow=True,
    )


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def states(comments):
    return [Comment.objects.get(pk=comment.pk).state for comment in comments]


# The queue -----------------------------------------------------------------------------


def test_the_state_filter_shows_each_state_with_its_count(moderator_client, article):
    CommentFactory.create_batch(3, article=article, held=True)
    CommentFactory.create_batch(2, article=article)
    spam(article=article)

    response = moderator_client.get(QUEUE)

    state_filter = response.context["cl"].filter_specs[0]
    choices = [choice["display"] for choice in state_filter.choices(response.context["cl"])]
    assert choices == ["All", "Pending (3)", "Approved (2)", "Spam (1)", "Removed (0)"]


@pytest.mark.parametrize("state", ["pending", "approved", "spam", "removed"])
def test_the_state_filter_lists_the_comments_in_that_state(moderator_client, article, state):
    made = {
        "pending": CommentFactory(article=article, held=True),
        "approved": CommentFactory(article=article),
        "spam": spam(article=article),
        "removed": CommentFactory(article=article, removed=True),
    }

    response = moderator_client.get(QUEUE, {"state": state})

    assert listed(response) == {made[state]}


def test_pending_comments_come_first_then_the_newest(moderator_client, article):
    approved_older = CommentFactory(article=article)
    pending = CommentFactory(article=article, held=True)
    approved_newer = CommentFactory(article=article)

    response = moderator_client.get(QUEUE)

    assert list(response.context["cl"].result_list) == [pending, approved_newer, approved_older]


def test_the_pending_filter_is_one_click_from_the_queue(moderator_client, article):
    CommentFactory(article=article, held=True)

    response = moderator_client.get(QUEUE)

    assert 'href="?state=pending"' in response.content.decode()


def test_the_article_filter_offers_commented_articles_and_filters_by_one(moderator_client, article):
    other = ArticleFactory(title="Sanctions")
    ArticleFactory(title="Without comments")
    on_article = CommentFactory(article=article)
    CommentFactory(article=other)

    response = moderator_client.get(QUEUE, {"article": article.pk})

    article_filter = response.context["cl"].filter_specs[1]
    assert article_filter.lookup_choices == [
        (article.pk, "Kaesong liaison office"),
        (other.pk, "Sanctions"),
    ]
    assert listed(response) == {on_article}


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("leaflets", "text"),
        ("minji_park", "username"),
        ("minji@korea.example", "email"),
        ("203.0.113.7", "ip"),
    ],
)
def test_search_finds_by_text_username_email_and_ip(moderator_client, article, query, found):
    made = {
        "text": CommentFactory(article=article, comment="The leaflets came first."),
        "username": CommentFactory(article=article, user=UserFactory(username="minji_park")),
        "email": CommentFactory(article=article, user_email="minji@korea.example"),
        "ip": CommentFactory(article=article, ip_address="203.0.113.7"),
    }
    CommentFactory(article=article, comment="Nothing to find.", ip_address="198.51.100.1")

    response = moderator_client.get(QUEUE, {"q": query})

    assert listed(response) == {made[found]}


def test_each_row_shows_the_article_state_reasons_reports_and_a_link_in_place(
    moderator_client, article
):
    held = CommentFactory(
        article=article,
        held=True,
        comment="Blowing it up was a message to Seoul.",
        moderation_reasons=["first comment", "2 links"],
        ip_address="203.0.113.7",
    )
    Report.objects.create(comment=held, reporter=UserFactory())
    Report.objects.create(comment=held, reporter=UserFactory())

    page = moderator_client.get(QUEUE).content.decode()

    assert "Blowing it up was a message to Seoul." in page
    assert f'<a href="{article.get_absolute_url()}">Kaesong liaison office</a>' in page
    assert '<span class="queue-state queue-state--pending">Pending</span>' in page
    assert "first comment, 2 links" in page
    assert '<td class="field-report_count">2</td>' in page
    assert "203.0.113.7" in page
    assert f'<a href="/comments/{held.pk}/">View on site</a>' in page


def test_the_queue_costs_the_same_queries_for_5_and_50_comments(moderator_client):
    # Ten articles, not one per comment: the rows still name several articles, and the
    # session's ArticleFactory sequence (which dates articles) is spared.
    articles = ArticleFactory.create_batch(10)

    def add_comments(count, on):
        for number in range(count):
            comment = CommentFactory(
                article=on[number % len(on)], held=True, moderation_reasons=["first comment"]
            )
            Report.objects.create(comment=comment, reporter=UserFactory())

    def queries_for_the_queue():
        with CaptureQueriesContext(connection) as queries:
            response = moderator_client.get(QUEUE)
        assert response.status_code == 200
        return len(queries)

    add_comments(5, on=articles[:5])
    with_5 = queries_for_the_queue()
    add_comments(45, on=articles)
    with_50 = queries_for_the_queue()

    assert Comment.objects.count() == 50
    assert with_5 == with_50


# Bulk decisions ---------------------------------------------------------------------------

BULK_DECISIONS = [
    # action, three comments made so, two selected: their state after, the event recorded,
    # and the article's public comments after
    ("approve_comments", {"held": True}, "approved", "approve", 2),
    ("unapprove_comments", {}, "pending", "unapprove", 1),
    ("spam_comments", {}, "spam", "spam", 1),
    ("remove_comments", {}, "removed", "remove", 1),
    ("restore_comments", {"removed": True}, "approved", "restore", 2),
]
BULK = ("action", "before", "after", "event", "public_after")


@pytest.mark.parametrize(BULK, BULK_DECISIONS)
def test_a_bulk_decision_changes_exactly_the_selected_comments(
    moderator_client, moderator, article, action, before, after, event, public_after
):
    selected = CommentFactory.create_batch(2, article=article, **before)
    left = CommentFactory(article=article, **before)
    state_before = left.state

    response = act(moderator_client, action, selected)

    assert response.status_code == 200
    assert states(selected) == [after, after]
    assert states([left]) == [state_before]
    assert messages_of(response)[0].startswith("2 comments ")


@pytest.mark.parametrize(BULK, BULK_DECISIONS)
def test_a_bulk_decision_records_one_event_per_comment_by_the_moderator(
    moderator_client, moderator, article, action, before, after, event, public_after
):
    selected = CommentFactory.create_batch(2, article=article, **before)

    act(moderator_client, action, selected)

    events = ModerationEvent.objects.filter(comment__in=selected)
    assert sorted((e.comment_id, e.actor, e.action) for e in events) == [
        (comment.pk, moderator, event) for comment in selected
    ]


@pytest.mark.parametrize(BULK, BULK_DECISIONS)
def test_a_bulk_decision_recounts_the_articles_comments(
    moderator_client, article, action, before, after, event, public_after
):
    selected = CommentFactory.create_batch(2, article=article, **before)
    CommentFactory(article=article, **before)

    act(moderator_client, action, selected)

    article.refresh_from_db()
    assert article.comment_count == public_after


def test_comments_already_in_that_state_are_counted_apart(moderator_client, article):
    held = CommentFactory(article=article, held=True)
    approved = CommentFactory(article=article)

    response = act(moderator_client, "approve_comments", [held, approved])

    assert messages_of(response) == ["1 comment approved. 1 comment was already approved."]
    assert ModerationEvent.objects.filter(comment=approved).count() == 0


def test_approving_from_the_queue_mails_the_author_once_and_the_followers_after_commit(
    moderator_client, article, django_capture_on_commit_callbacks, run_tasks
):
    follower = CommentFactory(article=article, followup=True, user_email="follower@example.org")
    author = UserFactory(email="author@example.org")
    held = CommentFactory(article=article, held=True, user=author)

    with django_capture_on_commit_callbacks(execute=True):
        act(moderator_client, "approve_comments", [held])
        assert mail.outbox == []
    # Queued on commit, sent by the worker.
    assert mail.outbox == []
    run_tasks()

    published = [message for message in mail.outbox if "is published" in message.subject]
    followups = [message for message in mail.outbox if message.subject.startswith("New comment")]
    assert [message.to for message in published] == [["author@example.org"]]
    assert [message.to for message in followups] == [[follower.user_email]]


def test_removing_a_comment_keeps_its_approved_replies_public(moderator_client, article):
    parent = CommentFactory(article=article)
    reply = CommentFactory(parent=parent)

    act(moderator_client, "remove_comments", [parent])

    assert states([parent, reply]) == ["removed", "approved"]
    article.refresh_from_db()
    assert article.comment_count == 1


@pytest.mark.parametrize(
    ("action", "standing", "event"),
    [("ban_authors", "banned", "ban"), ("trust_authors", "trusted", "trust")],
)
def test_ban_and_trust_set_each_authors_standing_once_and_record_it(
    moderator_client, moderator, article, action, standing, event
):
    ada, minji = UserFactory(), UserFactory()
    comments = [
        CommentFactory(article=article, user=ada, held=True),
        CommentFactory(article=article, user=ada, held=True),
        CommentFactory(article=article, user=minji, held=True),
        CommentFactory(article=article, user=None, user_name="Someone", user_email="", held=True),
    ]

    response = act(moderator_client, action, comments)

    assert Commenter.standing_of(ada) == Commenter.standing_of(minji) == standing
    assert sorted(ModerationEvent.objects.values_list("commenter", "actor", "action")) == sorted(
        [(ada.pk, moderator.pk, event), (minji.pk, moderator.pk, event)]
    )
    assert messages_of(response) == [f"2 commenters {standing}."]


def test_a_staff_user_who_may_not_moderate_is_offered_no_decision(client, article):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        *Group.objects.get(name=MODERATORS).permissions.exclude(codename="can_moderate")
    )
    held = CommentFactory(article=article, held=True)
    client.force_login(viewer)

    response = client.get(QUEUE)
    posted = act(client, "approve_comments", [held])

    assert response.status_code == 200
    assert response.context["action_form"] is None
    assert states([held]) == ["pending"]
    assert posted.status_code == 200


def test_nobody_deletes_or_adds_a_comment_in_the_admin(client, article):
    comment = CommentFactory(article=article)
    client.force_login(StaffFactory())

    response = client.get(QUEUE)
    actions = [name for name, _ in response.context["action_form"].fields["action"].choices]

    assert "delete_selected" not in actions
    assert client.get(reverse("admin:comments_comment_add")).status_code == 403
    assert (
        client.post(reverse("admin:comments_comment_delete", args=[comment.pk])).status_code == 403
    )
    assert Comment.objects.filter(pk=comment.pk).exists()


# A comment's page ---------------------------------------------------------------------------


def cells(html, field):
    """The texts of a read-only column in an admin inline."""
    return re.findall(rf'<td class="field-{field}">\s*<p>(.*?)</p>', html)


def change_page(comment):
    return reverse("admin:comments_comment_change", args=[comment.pk])


def test_a_comments_page_shows_its_audit_trail_and_reports(moderator_client, moderator, article):
    held = CommentFactory(article=article, held=True)
    ModerationEvent.objects.create(comment=held, action="policy", reasons=["first comment"])
    services.approve(held, by=moderator)
    services.unapprove(held, by=moderator)
    Report.objects.create(comment=held, reporter=UserFactory(username="reporting_reader"))

    response = moderator_client.get(change_page(held))

    page = response.content.decode()
    trail = page[page.index('id="events-group"') : page.index('id="reports-group"')]
    columns = [cells(trail, field) for field in ["decided_by", "action", "reasons_text"]]
    rows = list(zip(*columns, strict=True))
    assert rows == [
        ("the rules", "Decided by the rules", "first comment"),
        (moderator.username, "Approved", "—"),
        (moderator.username, "Unapproved", "—"),
    ]
    assert "reporting_reader" in response.content.decode()


def test_a_comments_page_is_read_only_with_the_decisions_its_state_allows(
    moderator_client, article
):
    held = CommentFactory(article=article, held=True)

    response = moderator_client.get(change_page(held))

    page = response.content.decode()
    assert 'name="_save"' not in page
    assert [decision.name for decision in response.context["moderation_decisions"]] == [
        "approve",
        "spam",
        "remove",
    ]
    assert 'name="decision" value="approve"' in page


def test_a_button_on_the_comments_page_decides_through_the_model(
    moderator_client, moderator, article
):
    held = CommentFactory(article=article, held=True)

    response = moderator_client.post(
        reverse("admin:comments_comment_moderate", args=[held.pk]), {"decision": "approve"}
    )

    assert response.status_code == 302
    assert response["Location"] == change_page(held)
    assert states([held]) == ["approved"]
    assert ModerationEvent.objects.get(comment=held).actor == moderator
    article.refresh_from_db()
    assert article.comment_count == 1


def test_the_comments_page_buttons_refuse_who_may_not_moderate(client, article):
    held = CommentFactory(article=article, held=True)
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        *Group.objects.get(name=MODERATORS).permissions.exclude(codename="can_moderate")
    )
    client.force_login(viewer)

    response = client.post(
        reverse("admin:comments_comment_moderate", args=[held.pk]), {"decision": "approve"}
    )

    assert response.status_code == 403
    assert states([held]) == ["pending"]


def test_the_comments_page_buttons_take_only_a_post_of_a_known_decision(moderator_client, article):
    held = CommentFactory(article=article, held=True)
    url = reverse("admin:comments_comment_moderate", args=[held.pk])

    assert moderator_client.get(url, {"decision": "approve"}).status_code == 405
    assert moderator_client.post(url, {"decision": "delete"}).status_code == 400
    assert states([held]) == ["pending"]


# The admin index ----------------------------------------------------------------------------


def test_the_admin_index_shows_a_moderator_the_pending_count_linked_to_the_queue(
    moderator_client, article
):
    CommentFactory.create_batch(3, article=article, held=True)
    CommentFactory(article=article)

    page = moderator_client.get(reverse("admin:index")).content.decode()

    assert f'<a href="{QUEUE}?state=pending">3 comments await moderation</a>' in page


def test_the_admin_index_shows_no_pending_count_to_staff_who_may_not_moderate(client, article):
    CommentFactory(article=article, held=True)
    client.force_login(UserFactory(is_staff=True))

    page = client.get(reverse("admin:index")).content.decode()

    assert "await moderation" not in page
    assert 'id="moderation-queue"' not in page


# Commenters -------------------------------------------------------------------------------


def test_saving_a_commenter_goes_through_set_standing(moderator_client, moderator):
    ada = UserFactory()

    response = moderator_client.post(
        reverse("admin:comments_commenter_add"),
        {"user": ada.pk, "standing": "banned", "note": "casino links"},
    )

    assert response.status_code == 302
    assert Commenter.objects.get(user=ada).note == "casino links"
    event = ModerationEvent.objects.get(commenter=ada)
    assert (event.actor, event.action, event.reasons) == (moderator, "ban", ["casino links"])


def test_changing_a_commenters_standing_records_it(moderator_client, moderator):
    ada = UserFactory()
    Commenter.set_standing(ada, Commenter.Standing.BANNED)
    commenter = Commenter.objects.get(user=ada)

    moderator_client.post(
        reverse("admin:comments_commenter_change", args=[commenter.pk]),
        {"standing": "rules", "note": ""},
    )

    commenter.refresh_from_db()
    assert commenter.standing == "rules"
    assert commenter.note == ""
    latest = ModerationEvent.objects.filter(commenter=ada).first()
    assert (latest.actor, latest.action) == (moderator, "reset")


@pytest.mark.parametrize(
    ("action", "standing", "event"),
    [
        ("ban", "banned", "ban"),
        ("trust", "trusted", "trust"),
        ("back_to_the_rules", "rules", "reset"),
    ],
)
def test_commenter_actions_set_standing_and_record_it(
    moderator_client, moderator, action, standing, event
):
    start = "rules" if standing != "rules" else "banned"
    ada = UserFactory()
    Commenter.set_standing(ada, start)

    moderator_client.post(
        reverse("admin:comments_commenter_changelist"),
        {"action": action, "_selected_action": [Commenter.objects.get(user=ada).pk]},
    )

    assert Commenter.standing_of(ada) == standing
    latest = ModerationEvent.objects.filter(commenter=ada).first()
    assert (latest.actor, latest.action) == (moderator, event)


def test_a_commenters_page_shows_their_standing_history(moderator_client, moderator):
    ada = UserFactory()
    Commenter.set_standing(ada, Commenter.Standing.BANNED, by=moderator, note="casino links")
    commenter = Commenter.objects.get(user=ada)

    page = moderator_client.get(
        reverse("admin:comments_commenter_change", args=[commenter.pk])
    ).content.decode()

    assert (
        f"<td>{moderator.username}</td><td>Banned the commenter</td><td>casino links</td>" in page
    )


def test_a_commenters_row_links_to_their_comments_in_the_queue(moderator_client, article):
    ada = UserFactory()
    Commenter.set_standing(ada, Commenter.Standing.BANNED)
    theirs = CommentFactory(article=article, user=ada)
    CommentFactory(article=article)

    page = moderator_client.get(reverse("admin:comments_commenter_changelist")).content.decode()

    link = f"{QUEUE}?user__exact={ada.pk}"
    assert f'<a href="{link}">Their comments</a>' in page
    assert listed(moderator_client.get(link)) == {theirs}


# Discussion settings ------------------------------------------------------------------------


def test_saving_the_discussion_settings_applies_at_once(client):
    client.force_login(StaffFactory())
    assert current_rules().thread_depth == 5

    response = client.get(reverse("admin:comments_discussionsettings_changelist"))
    assert response.status_code == 302
    row = DiscussionSettings.objects.get()
    assert response["Location"] == reverse(
        "admin:comments_discussionsettings_change", args=[row.pk]
    )
    form = client.get(response["Location"]).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(thread_depth=3, moderation_words="casino\nlottery")
    saved = client.post(response["Location"], data)

    assert saved.status_code == 302
    assert current_rules().thread_depth == 3
    assert current_rules().moderation_words == ("casino", "lottery")


def test_the_discussion_settings_are_one_row_that_is_never_added_or_deleted(client):
    client.force_login(StaffFactory())
    row = DiscussionSettings.load()

    assert client.get(reverse("admin:comments_discussionsettings_add")).status_code == 403
    delete = reverse("admin:comments_discussionsettings_delete", args=[row.pk])
    assert client.post(delete).status_code == 403
    assert DiscussionSettings.objects.count() == 1


# The audit trail ---------------------------------------------------------------------------


def test_the_audit_trail_lists_every_decision_by_action(moderator_client, moderator, article):
    held = CommentFactory(article=article, held=True, comment="Held for a word.")
    ModerationEvent.objects.create(comment=held, action="policy", reasons=["word: casino"])
    services.approve(held, by=moderator)

    response = moderator_client.get(
        reverse("admin:comments_moderationevent_changelist"), {"action__exact": "policy"}
    )

    page = response.content.decode()
    assert [event.action for event in response.context["cl"].result_list] == ["policy"]
    assert '<td class="field-decided_by">the rules</td>' in page
    assert '<td class="field-reasons_text">word: casino</td>' in page
    assert "Held for a word." in page


def test_the_audit_trail_is_never_added_to_or_edited_in_the_admin(
    moderator_client, moderator, article
):
    services.approve(CommentFactory(article=article, held=True), by=moderator)
    event = ModerationEvent.objects.get()
    change = reverse("admin:comments_moderationevent_change", args=[event.pk])

    assert moderator_client.get(reverse("admin:comments_moderationevent_add")).status_code == 403
    assert 'name="_save"' not in moderator_client.get(change).content.decode()
    assert moderator_client.post(change, {"action": "ban"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "approve"
