from blog.models import ContentVersion

from .models import Comment


def remember_login_provider(sender, request, user, sociallogin=None, **kwargs):
    """The form says which account the reader is commenting with: ours or a provider's
    (templates/comments/form.html reads it from the session)."""
    request.session["login_provider"] = sociallogin.provider.name if sociallogin else ""


def delete_article_comments(sender, instance, using, **kwargs):
    """An article's comments go with it: the generic relation has no foreign key to cascade."""
    Comment.objects.using(using).for_article(instance).delete()


def comment_deleted(sender, **kwargs):
    """A deleted comment (purge_spam, an article's deletion) changes the pages it was on."""
    ContentVersion.bump()


def login_choices_changed(sender, **kwargs):
    """A social app added or changed in the admin changes every page's login choices."""
    ContentVersion.bump()
