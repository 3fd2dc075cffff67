import pytest
from django.core.management import call_command
from django.core.serializers import serialize
from PIL import Image as PillowImage

from blog.models import Article, Image, Motive, Section, Topic
from blog.seed import load_all
from tests.scoped_data import rows_for_scope

pytestmark = pytest.mark.django_db

SEED_SLUG = "north-korea-blows-up-the-liaison-office-with-south-korea"


def snapshot():
    return {
        model.__name__: serialize("json", model.objects.order_by("pk"))
        for model in (Article, Section, Motive, Topic, Image)
    }


def test_load_seed_command_reports_the_permalink(capsys):
    call_command("load_seed")

    assert f"/2020/06/17/{SEED_SLUG}/" in capsys.readouterr().out


def test_running_load_seed_twice_changes_nothing(capsys):
    call_command("load_seed")
    before = snapshot()

    call_command("load_seed")

    assert snapshot() == before
    assert "Already loaded" in capsys.readouterr().out


@pytest.fixture(scope="class")
def seed_media(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="class")
def seed_loaded(django_db_setup, django_db_blocker, seed_media):
    """The seed, loaded once for a class of tests (tests/scoped_data.py)."""
    yield from rows_for_scope(django_db_blocker, seed_media, load_all)


class TestTheSeedArticle:
    """The seed is loaded once for these tests, each of which reads the article afresh and
    has its own changes rolled back."""

    @pytest.fixture(autouse=True)
    def media_root(self, settings, seed_media):
        """The placeholder image stored at the load stays where the tests can open it."""
        settings.MEDIA_ROOT = seed_media
        return seed_media

    @pytest.fixture
    def seed_article(self, seed_loaded):
        return Article.objects.get(slug=SEED_SLUG)

    def test_load_seed_keeps_an_editors_changes(self, seed_article):
        Article.objects.filter(pk=seed_article.pk).update(title="Edited by an editor")

        call_command("load_seed")

        seed_article.refresh_from_db()
        assert seed_article.title == "Edited by an editor"

    def test_seed_article_is_published_on_17_june_2020(self, seed_article):
        assert seed_article.is_published()
        assert seed_article.get_absolute_url() == f"/2020/06/17/{SEED_SLUG}/"
        assert not seed_article.was_updated()

    def test_seed_article_has_its_sections_in_order(self, seed_article):
        kinds = list(seed_article.sections.values_list("kind", flat=True))

        assert kinds == [
            "lead",
            "motive",
            "quote",
            "motive",
            "motive",
            "motive",
            "question",
            "conclusion",
        ]
        lead = seed_article.sections.get(kind="lead")
        assert lead.body.endswith("Why did North Korea blow up the liaison office?")

    def test_seed_article_tags_each_of_the_four_motives(self, seed_article):
        tagged = {
            section.heading: [motive.slug for motive in section.motives.all()]
            for section in seed_article.sections.filter(kind="motive")
        }

        assert tagged == {
            "Propaganda leaflets from defectors": ["propaganda-leaflets"],
            "Kim Yo-jong’s standing as successor": ["succession"],
            "The failed Hanoi summit": ["hanoi-summit"],
            "An economy under sanctions and Covid-19": ["sanctions"],
        }

    def test_kim_yo_jongs_statement_is_a_quote_tied_to_succession(self, seed_article):
        quote = seed_article.sections.get(kind="quote")

        assert "I feel it is high time to surely break" in quote.body
        assert [motive.slug for motive in quote.motives.all()] == ["succession"]

    def test_seed_keeps_the_authors_words(self, seed_article):
        bodies = " ".join(seed_article.sections.values_list("body", flat=True))

        assert "500,000 propaganda leaflets in balloons were sent from South to North" in bodies
        assert "out of the frying pan into the fire" in bodies
        assert "Will the US and China involve" in bodies

    def test_seed_article_has_its_topics(self, seed_article):
        assert set(seed_article.topics.values_list("name", flat=True)) >= {
            "North Korea",
            "South Korea",
            "Inter-Korean relations",
            "Kim Yo-jong",
        }

    def test_seed_placeholder_image_keeps_the_caption_and_says_what_it_stands_for(
        self, seed_article
    ):
        image = seed_article.featured_image

        assert image.caption == "South Korea North Korea Party Anniversary"
        assert "stands in for the original photo" in image.alt_text
        with image.file.open("rb") as stored, PillowImage.open(stored) as picture:
            assert picture.size == (image.width, image.height) == (1600, 900)

    def test_seed_author_cannot_log_in(self, seed_article):
        assert not seed_article.author.has_usable_password()
