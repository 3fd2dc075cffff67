"""A reader with something of every kind Liaison holds about a person, made from the models:
for the tests of the download and of the erasure (tests/comments/test_reader_data.py,
test_erasure.py)."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialToken

from comments.models import Commenter, ModerationEvent, Report
from tests.blog.factories import ArticleFactory, UserFactory

from .factories import CommentFactory

PASSWORD = "correct horse battery staple"  # UserFactory's
IP = "203.0.113.77"


@dataclass
class Reader:
    user: object
    article: object
    other_article: object
    approved: object
    held: object
    spam: object
    reported: object
    moderator: object


def reader_with_everything(moderator=None):
    """Hortensia Quillfeather: two email addresses, a GitHub account with its token, three
    comments (approved and followed, held, spam), a report, a trusted standing with a note."""
    moderator = moderator or UserFactory(username="the-moderator", is_staff=True)
    user = UserFactory(
        username="hortensia-q",
        first_name="Hortensia",
        last_name="Quillfeather",
        email="hortensia.quill@example.net",
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    EmailAddress.objects.create(user=user, email="h.quill.second@example.org", verified=False)
    github = SocialAccount.objects.create(
        user=user,
        provider="github",
        uid="98765432",
        extra_data={"login": "hquill", "name": "Hortensia Quillfeather", "email": user.email},
    )
    SocialToken.objects.create(account=github, token="gho_secret-token-of-hortensia")

    article = ArticleFactory(title="Kaesong liaison office")
    other_article = ArticleFactory(title="Sanctions and the economy")
    approved = CommentFactory(
        article=article,
        user=user,
        comment="The leaflets were only the pretext.",
        ip_address=IP,
        followup=True,
    )
    held = CommentFactory(
        article=other_article,
        user=user,
        comment="Succession explains the timing.",
        ip_address=IP,
        held=True,
    )
    spam = CommentFactory(
        article=article, user=user, comment="Buy cheap watches.", is_spam=True, removed=True
    )
    for comment, reasons in [(approved, []), (held, ["first comment"]), (spam, ["word: watches"])]:
        ModerationEvent.objects.create(
            comment=comment, action=ModerationEvent.Action.POLICY, reasons=reasons
        )
    reported = CommentFactory(article=article, comment="Another reader's view.")
    Report.objects.create(comment=reported, reporter=user)
    Commenter.set_standing(
        user, Commenter.Standing.TRUSTED, by=moderator, note="Hortensia Quillfeather writes well"
    )
    return Reader(user, article, other_article, approved, held, spam, reported, moderator)
