from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from blog.models import Article, Image, Motive, Section, Topic


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    first_name = "Ada"
    last_name = factory.Sequence(lambda n: f"Writer{n}")
    password = factory.django.Password("correct horse battery staple")


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.LazyAttribute(lambda topic: slugify(topic.name))


class MotiveFactory(DjangoModelFactory):
    class Meta:
        model = Motive

    name = factory.Sequence(lambda n: f"Motive {n}")
    slug = factory.LazyAttribute(lambda motive: slugify(motive.name))
    description = "A cause weighed across articles."


class ImageFactory(DjangoModelFactory):
    """Saved through the image pipeline (Image.save): validated, stripped, with renditions
    made at once (`renditions_now`), as the task would make them after an upload.

    `ImageFactory(tiny=True)` goes through the same pipeline with a 16 × 9 picture, which
    costs next to nothing to encode: for tests about pages and queries rather than pictures.
    """

    class Meta:
        model = Image

    class Params:
        tiny = factory.Trait(
            file=factory.django.ImageField(
                width=16, height=9, color="grey", format="PNG", filename="photo.png"
            )
        )

    file = factory.django.ImageField(
        width=640, height=360, color="grey", format="PNG", filename="photo.png"
    )
    alt_text = "A grey rectangle"
    caption = "A caption"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        image = model_class(*args, **kwargs)
        image.save(renditions_now=True)
        return image


class ArticleFactory(DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    class Params:
        draft = factory.Trait(published_at=None)
        scheduled = factory.Trait(
            published_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
        )

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.LazyAttribute(lambda article: slugify(article.title))
    author = factory.SubFactory(UserFactory)
    excerpt = "A short summary of the article."
    # A day apart, oldest first, and in the past for the first 10,000 articles of a test run
    # (the sequence counts across the whole run, not per test).
    published_at = factory.Sequence(lambda n: timezone.now() - timedelta(days=10_000 - n))

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)


class SectionFactory(DjangoModelFactory):
    class Meta:
        model = Section
        skip_postgeneration_save = True

    article = factory.SubFactory(ArticleFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = Section.Kind.CONTEXT
    heading = factory.Sequence(lambda n: f"Heading {n}")
    body = "Some *analysis* in Markdown."

    @factory.post_generation
    def motives(self, create, extracted, **kwargs):
        if create and extracted:
            self.motives.set(extracted)


def article_with_sections(sections=3, motives=(), figures=1, tiny_images=False, **kwargs):
    """An article whose every section carries `motives`, with a featured image and a topic;
    its first `figures` sections each show a figure. Every image has its renditions
    (made from a 16 × 9 picture with `tiny_images`)."""
    article = ArticleFactory(
        featured_image=ImageFactory(tiny=tiny_images), topics=[TopicFactory()], **kwargs
    )
    for position in range(1, sections + 1):
        figure = ImageFactory(tiny=tiny_images) if position <= figures else None
        SectionFactory(article=article, position=position, motives=list(motives), figure=figure)
    return article
