import factory
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib.sites.models import Site
from factory.django import DjangoModelFactory

from tests.blog.factories import UserFactory

PASSWORD = "correct horse battery staple"  # UserFactory's


class ReaderFactory(UserFactory):
    """A reader who signed up and confirmed their address: their email is verified."""

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


class UnverifiedReaderFactory(UserFactory):
    """A reader who signed up but never followed the confirmation link."""

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def unverified_email(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=False)


class SocialAppFactory(DjangoModelFactory):
    """A provider's credentials as an editor enters them under Social applications."""

    class Meta:
        model = SocialApp
        skip_postgeneration_save = True

    provider = "google"
    name = "Google"
    client_id = factory.Sequence(lambda n: f"client-{n}")
    secret = "not-a-real-secret"

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        if create:
            self.sites.set(
                extracted if extracted is not None else [Site.objects.get(pk=settings.SITE_ID)]
            )
