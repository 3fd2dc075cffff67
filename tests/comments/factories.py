"""Comments on articles, saved through Comment.save(): the model places every reply in
its thread (thread_id, level, order, nested_count), exactly as a posted form would."""

import factory
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from factory.django import DjangoModelFactory

from blog.models import Article
from comments.forms import display_name
from comments.models import Comment
from tests.blog.factories import ArticleFactory, UserFactory


class CommentFactory(DjangoModelFactory):
    """`CommentFactory(article=..., parent=None, user=..., is_public=True, comment="...")`.

    A reply (`parent=<Comment>`) goes on its parent's article unless `article` says
    otherwise; `held=True` leaves the comment for a moderator, `removed=True` removes it.
    """

    class Meta:
        model = Comment

    class Params:
        parent = None
        article = factory.Maybe(
            "parent",
            yes_declaration=factory.LazyAttribute(
                lambda o: Article.objects.get(pk=o.parent.object_pk)
            ),
            no_declaration=factory.SubFactory(ArticleFactory),
        )
        held = factory.Trait(is_public=False)
        removed = factory.Trait(is_removed=True)

    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(Article))
    object_pk = factory.LazyAttribute(lambda o: str(o.article.pk))
    site_id = factory.LazyFunction(lambda: settings.SITE_ID)
    user = factory.SubFactory(UserFactory)
    user_name = factory.LazyAttribute(lambda o: display_name(o.user))
    user_email = factory.LazyAttribute(lambda o: o.user.email)
    comment = factory.Faker("sentence")
    is_public = True
    is_removed = False
    # 0 for a top-level comment: save() gives it its own id as thread_id and parent_id.
    parent_id = factory.LazyAttribute(lambda o: o.parent.pk if o.parent is not None else 0)


def reply_tree(article, shape, **kwargs):
    """The comments of `shape`, a nested dict {label: {reply label: {...}}}, on `article`.

    They are posted one level at a time (every top-level comment, then every first-level
    reply, ...), so that most replies land inside a thread that already goes on past
    their parent. Returns {label: Comment}, read back from the database.
    """
    made = {}
    level = [(label, None, replies) for label, replies in shape.items()]
    while level:
        deeper = []
        for label, parent_label, replies in level:
            parent = made[parent_label] if parent_label is not None else None
            made[label] = CommentFactory(article=article, parent=parent, **kwargs)
            deeper.extend((child, label, more) for child, more in replies.items())
        level = deeper
    return {label: Comment.objects.get(pk=comment.pk) for label, comment in made.items()}
