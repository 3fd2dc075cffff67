"""The moderation policy: each rule, its reason, and how the rules combine."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import Commenter, current_rules
from comments.policy import APPROVE, HOLD, REFUSE, SPAM, ModerationPolicy, comments_open
from comments.rules import DiscussionRules
from tests.blog.factories import ArticleFactory, UserFactory

from .factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory()


@pytest.fixture
def reader():
    return UserFactory(email="reader@example.org")


def earlier_comment(user, **kwargs):
    """A comment the reader wrote an hour ago: past the flood interval."""
    return CommentFactory(user=user, submit_date=timezone.now() - timedelta(hours=1), **kwargs)


def decide(article, user, text="A fair point.", rules=None, **details):
    return ModerationPolicy(rules or DiscussionRules()).decide(
        article=article, user=user, text=text, **details
    )


def test_the_defaults_are_wordpress_like():
    rules = DiscussionRules()

    assert rules.manual_approval is True
    assert rules.approve_returning_authors is True
    assert rules.hold_links_at == 2
    assert rules.flood_interval == 15
    assert rules.max_length == 5000
    assert rules.close_after_days is None
    assert rules.thread_depth == 5
    assert rules.top_level_per_page == 50
    assert rules.order == "oldest"
    assert rules.report_threshold == 3


def test_a_first_comment_is_held(article, reader):
    decision = decide(article, reader)

    assert decision.action == HOLD
    assert decision.reasons == ("first comment",)


def test_an_author_with_an_approved_comment_is_approved(article, reader):
    earlier_comment(reader)

    decision = decide(article, reader)

    assert decision.action == APPROVE
    assert decision.reasons == ()


def test_a_held_earlier_comment_does_not_count_as_approved(article, reader):
    earlier_comment(reader, held=True)

    assert decide(article, reader).reasons == ("first comment",)


def test_without_returning_authors_every_comment_waits(article, reader):
    earlier_comment(reader)

    decision = decide(article, reader, rules=DiscussionRules(approve_returning_authors=False))

    assert decision.action == HOLD
    assert decision.reasons == ("manual approval",)


def test_without_manual_approval_a_plain_comment_is_approved(article, reader):
    decision = decide(article, reader, rules=DiscussionRules(manual_approval=False))

    assert decision.action == APPROVE


def test_two_links_hold_even_a_returning_author(article, reader):
    earlier_comment(reader)

    decision = decide(article, reader, text="See https://a.example and www.b.example")

    assert decision.action == HOLD
    assert decision.reasons == ("2 links",)


def test_one_link_does_not_hold(article, reader):
    earlier_comment(reader)

    assert decide(article, reader, text="See https://a.example").action == APPROVE


def test_the_link_threshold_can_be_turned_off(article, reader):
    earlier_comment(reader)
    text = "https://a.example https://b.example https://c.example"

    assert decide(article, reader, text, rules=DiscussionRules(hold_links_at=0)).action == APPROVE


@pytest.mark.parametrize(
    "details",
    [
        {"text": "Buy CASINO chips"},
        {"user_name": "Casino King"},
        {"user_email": "casino@example.org"},
    ],
    ids=["text", "name", "email"],
)
def test_a_moderation_word_holds_wherever_it_appears(article, reader, details):
    earlier_comment(reader)
    rules = DiscussionRules(moderation_words=("casino",))

    decision = decide(article, reader, rules=rules, **{"text": "Fine.", **details})

    assert decision.action == HOLD
    assert decision.reasons == ("word: casino",)


def test_a_moderation_word_matches_an_ip_address(article, reader):
    earlier_comment(reader)
    rules = DiscussionRules(moderation_words=("203.0.113.7",))

    assert decide(article, reader, rules=rules, ip_address="203.0.113.7").reasons == (
        "word: 203.0.113.7",
    )


def test_a_word_inside_another_word_does_not_match(article, reader):
    earlier_comment(reader)
    rules = DiscussionRules(moderation_words=("cas",))

    assert decide(article, reader, text="The casual reader", rules=rules).action == APPROVE


def test_a_disallowed_word_goes_straight_to_spam(article, reader):
    rules = DiscussionRules(disallowed_words=("viagra",))

    decision = decide(article, reader, text="Cheap Viagra here", rules=rules)

    assert decision.action == SPAM
    assert decision.reasons == ("disallowed word: viagra",)


def test_reasons_combine(article, reader):
    rules = DiscussionRules(moderation_words=("casino", "poker"))
    text = "casino and poker: https://a.example https://b.example"

    decision = decide(article, reader, text=text, rules=rules)

    assert decision.reasons == ("word: casino", "word: poker", "2 links", "first comment")


def test_spam_wins_over_hold(article, reader):
    rules = DiscussionRules(moderation_words=("casino",), disallowed_words=("viagra",))

    assert decide(article, reader, text="casino viagra", rules=rules).action == SPAM


def test_a_trusted_commenter_is_approved_despite_holds(article, reader):
    Commenter.set_standing(reader, Commenter.Standing.TRUSTED)
    rules = DiscussionRules(moderation_words=("casino",))

    decision = decide(article, reader, text="casino https://a.example https://b", rules=rules)

    assert decision.action == APPROVE
    assert decision.reasons == ("trusted commenter",)


def test_a_trusted_commenter_still_cannot_post_disallowed_words(article, reader):
    Commenter.set_standing(reader, Commenter.Standing.TRUSTED)

    decision = decide(
        article, reader, text="viagra", rules=DiscussionRules(disallowed_words=("viagra",))
    )

    assert decision.action == SPAM


def test_a_banned_commenter_is_refused(article, reader):
    Commenter.set_standing(reader, Commenter.Standing.BANNED)

    decision = decide(article, reader)

    assert decision.action == REFUSE
    assert decision.reasons == ("banned",)
    assert "may not post comments" in decision.message


def test_a_second_comment_within_the_flood_interval_is_refused(article, reader):
    CommentFactory(user=reader, submit_date=timezone.now() - timedelta(seconds=10))

    decision = decide(article, reader)

    assert decision.action == REFUSE
    assert decision.reasons == ("flood",)
    assert "15 seconds" in decision.message


def test_after_the_flood_interval_the_reader_may_comment_again(article, reader):
    CommentFactory(user=reader, submit_date=timezone.now() - timedelta(seconds=16))

    assert decide(article, reader).action == APPROVE


def test_the_rules_length_is_enforced(article, reader):
    decision = decide(article, reader, text="x" * 11, rules=DiscussionRules(max_length=10))

    assert decision.action == REFUSE
    assert decision.reasons == ("too long",)


@pytest.mark.parametrize(
    "state",
    [
        {"published_at": None},
        {"allow_comments": False},
        {"comments_close_at": timezone.now() - timedelta(days=1)},
    ],
    ids=["draft", "comments off", "closed"],
)
def test_an_article_that_takes_no_comments_refuses(reader, state):
    decision = decide(ArticleFactory(**state), reader)

    assert decision.action == REFUSE
    assert decision.reasons == ("closed",)


def test_comments_close_on_articles_older_than_the_rules_say(reader):
    old = ArticleFactory(published_at=timezone.now() - timedelta(days=31))
    recent = ArticleFactory(published_at=timezone.now() - timedelta(days=29))
    rules = DiscussionRules(close_after_days=30)

    assert not comments_open(old, rules)
    assert comments_open(recent, rules)
    assert decide(old, reader, rules=rules).reasons == ("closed",)


def test_a_scheduled_article_is_closed_whatever_the_closing_age(reader):
    scheduled = ArticleFactory(published_at=timezone.now() + timedelta(days=3))
    rules_with_closing = DiscussionRules(close_after_days=30)

    assert comments_open(scheduled, rules_with_closing) is False


def test_an_anonymous_user_is_never_returning(article):
    assert decide(article, AnonymousUser()).reasons == ("first comment",)


def test_a_settings_change_applies_to_the_next_comment(article, reader, discussion_rules):
    assert decide(article, reader, rules=current_rules()).action == HOLD

    discussion_rules(manual_approval=False)

    assert decide(article, reader, rules=current_rules()).action == APPROVE


def test_a_moderators_comment_is_approved(article, moderator):
    decision = decide(article, moderator, text="casino https://a.example https://b.example")

    assert decision.action == APPROVE
    assert decision.reasons == ("moderator",)


def test_a_moderator_still_cannot_post_disallowed_words(article, moderator):
    rules = DiscussionRules(disallowed_words=("viagra",))

    assert decide(article, moderator, text="viagra", rules=rules).action == SPAM


@pytest.mark.django_db
def test_a_commenters_standing_is_read_from_its_own_table_alone():
    trusted = UserFactory()
    Commenter.set_standing(trusted, Commenter.Standing.TRUSTED)

    with CaptureQueriesContext(connection) as queries:
        standing = Commenter.standing_of(trusted)

    assert standing == Commenter.Standing.TRUSTED
    (query,) = queries
    assert "auth_user" not in query["sql"]
