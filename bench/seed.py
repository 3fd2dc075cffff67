"""What `make bench` measures: copies of the seed article with 0, 200 and 1,000 approved
comments, one with 250 for the comment POST, the discussion rules, and a logged-in reader.

Three articles (four with the one posted to) rather than one article re-seeded between
rows: the server then never shows a page of comments that another process changed behind
its back, whatever page cache it keeps. The seed article itself (`load_seed`) carries the
200 comments, so that its address is the one the WordPress peer uses; the others are
copies of it that differ only in their slug.

Comments are written as the WordPress peer writes its own (../shared/peers/wordpress,
seed.php): threads of 5 at depths 1, 2, 3, 4, 2, from twelve commenters, with
deterministic texts and dates. They are saved through `Comment.save()`, which threads
them exactly as a posted form would.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.text import slugify

from blog.models import Article, Section
from comments.forms import display_name
from comments.models import Comment, DiscussionSettings, refresh_comment_count

# Comments on each measured article, and on each of those the POST rows post to: the
# issue's goal for a POST is "at 250 comments".
COMMENT_COUNTS = (0, 200, 1000)
POSTING_COUNT = 250
# Articles the POST rows post to, in turn: a row of 10 s posts 1,000 to 2,000 comments, which
# on one article would measure a discussion of 2,000 comments by the end (a comment's page
# is counted over them), not of 250. Spread over these, each article stays near 250.
POSTING_ARTICLES = 24
# The count the seed article itself carries (the WordPress peer's N).
SEED_ARTICLE_COUNT = 200
# Threads are shown 500 to a page (the editor's maximum): 1,000 comments make 200 threads,
# all on one page, like WordPress with comment paging off. 0, 200 and 250 comments (0, 40
# and 50 threads) would fit on one page at the default of 50 as well.
TOP_LEVEL_PER_PAGE = 500

# Where each comment of a thread of 5 replies: the index of its parent within the thread,
# None for the top-level comment. Levels 0, 1, 2, 3, 1 (WordPress depths 1, 2, 3, 4, 2).
THREAD_PARENTS = (None, 0, 1, 2, 0)
THREAD_SIZE = len(THREAD_PARENTS)
FIRST_COMMENT_AT = datetime(2020, 6, 17, 13, 0, tzinfo=UTC)
COMMENT_INTERVAL = timedelta(minutes=7)
RANDOM_SEED = 20200616

COMMENTER_NAMES = (
    "Minji Park",
    "Daniel Cho",
    "Sarah Kim",
    "Tom Becker",
    "Aiko Tanaka",
    "Jae-won Lee",
    "Priya Nair",
    "Lukas Schmidt",
    "Hannah Moore",
    "Seo-yeon Choi",
    "Marco Rossi",
    "Olivia Chen",
)
OPENERS = (
    "I think",
    "Honestly,",
    "As far as I can tell,",
    "From what I read,",
    "To be fair,",
    "Interesting point:",
    "I disagree a bit:",
    "Good summary.",
    "Not sure about this, but",
    "Exactly.",
)
CLAIMS = (
    "the leaflet campaign was only a pretext",
    "the demolition was planned well in advance",
    "Kim Yo-jong is clearly being positioned as a successor",
    "the Hanoi summit failure still shapes everything",
    "sanctions and the border closure hurt more than people admit",
    "Seoul will not retaliate militarily",
    "China will quietly keep the North afloat",
    "the US has no appetite for another crisis right now",
    "the joint office was mostly symbolic anyway",
    "this is about domestic audiences in Pyongyang",
)
TAILS = (
    "Time will tell.",
    "We have seen this pattern before.",
    "Thanks for writing this up.",
    "Would love a follow-up piece.",
    "The comparison with 2010 is worth making.",
    "",
    "",
    "Does anyone have a source for the balloon numbers?",
    "Moon has very few options left.",
)

READER_USERNAME = "bench-reader"


@dataclass(frozen=True)
class BenchSite:
    """What the load generator needs: the addresses measured and the reader's cookie."""

    article_urls: dict  # {comment count: the article's path}
    posting_article_urls: list  # the articles posted to, each with posting_comment_count
    posting_article_pks: list
    posting_comment_count: int
    reader_cookie: str  # "sessionid=..."


def commenters():
    """The twelve commenters, as accounts (every comment here is a logged-in reader's)."""
    users = []
    for name in COMMENTER_NAMES:
        first, last = name.split(" ", 1)
        user, _ = get_user_model().objects.get_or_create(
            username=slugify(name),
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{slugify(name).replace('-', '.')}@example.invalid",
            },
        )
        users.append(user)
    return users


def comment_text(rng, number):
    text = f"{rng.choice(OPENERS)} {rng.choice(CLAIMS)}."
    if rng.randint(0, 2) > 0:
        claim = rng.choice(CLAIMS)
        text += f" {claim[0].upper()}{claim[1:]}."
    tail = rng.choice(TAILS)
    if tail:
        text += f"\n\n{tail}"
    return f"{text} (#{number})"


def approved_comment(article, user, text, **fields):
    """`user`'s approved comment on `article`, saved as a post saves it (threaded by save())."""
    comment = Comment(
        content_type=ContentType.objects.get_for_model(Article),
        object_pk=str(article.pk),
        site_id=settings.SITE_ID,
        user=user,
        user_name=display_name(user),
        user_email=user.email,
        comment=text,
        is_public=True,
        **fields,
    )
    comment.save()
    return comment


@transaction.atomic
def seed_discussion(article, n, users=None):
    """`n` approved comments on `article`, in threads of 5 at levels 0, 1, 2, 3, 1.

    The same `n` always gives the same authors, texts and dates. Returns the comments in
    the order they were written.
    """
    users = users or commenters()
    rng = random.Random(RANDOM_SEED)
    written = []
    thread = []
    for index in range(n):
        slot = index % THREAD_SIZE
        if slot == 0:
            thread = []
        parent = THREAD_PARENTS[slot]
        user = users[rng.randrange(len(users))]
        comment = approved_comment(
            article,
            user,
            comment_text(rng, index + 1),
            submit_date=FIRST_COMMENT_AT + index * COMMENT_INTERVAL,
            # 0 for a top-level comment: save() makes it the root of its own thread.
            parent_id=0 if parent is None else thread[parent].pk,
            ip_address="127.0.0.1",
        )
        thread.append(comment)
        written.append(comment)
    refresh_comment_count(article.pk)
    return written


@transaction.atomic
def copy_article(article, slug):
    """The article again under another slug: same title, text, topics, image and date."""
    copy = Article.objects.create(
        title=article.title,
        slug=slug,
        excerpt=article.excerpt,
        published_at=article.published_at,
        author=article.author,
        featured_image=article.featured_image,
    )
    copy.topics.set(article.topics.all())
    for section in article.sections.order_by("position"):
        motives = list(section.motives.all())
        new = Section.objects.create(
            article=copy,
            position=section.position,
            kind=section.kind,
            heading=section.heading,
            body=section.body,
            figure=section.figure,
        )
        new.motives.set(motives)
    Article.objects.filter(pk=copy.pk).update(updated_at=article.updated_at)
    return Article.objects.get(pk=copy.pk)


def set_bench_rules():
    """Every thread on one page, and no flood rule: the POST row posts many times a second."""
    rules = DiscussionSettings.load()
    rules.top_level_per_page = TOP_LEVEL_PER_PAGE
    rules.flood_interval = 0
    rules.save()


def reader_session_cookie():
    """A logged-in reader's session, created server-side as a login would, as a cookie."""
    reader, _ = get_user_model().objects.get_or_create(
        username=READER_USERNAME,
        defaults={"first_name": "Bench", "last_name": "Reader", "email": "reader@example.invalid"},
    )
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(reader.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = reader.get_session_auth_hash()
    session.create()
    return reader, f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def seed_site(
    seed_article,
    counts=COMMENT_COUNTS,
    posting_count=POSTING_COUNT,
    posting_articles=POSTING_ARTICLES,
):
    """The measured articles, the rules and the reader, beside `seed_article` (load_seed's).

    The seed article carries SEED_ARTICLE_COUNT comments when that count is measured; every
    other count, and each article posted to, is a copy of it.
    """
    set_bench_rules()
    users = commenters()
    articles = {}
    for count in counts:
        article = (
            seed_article
            if count == SEED_ARTICLE_COUNT
            else copy_article(seed_article, f"{seed_article.slug}-{count}-comments")
        )
        seed_discussion(article, count, users)
        articles[count] = article
    reader, cookie = reader_session_cookie()
    posting = []
    for number in range(1, posting_articles + 1):
        article = copy_article(seed_article, f"{seed_article.slug}-posting-{number}")
        seed_discussion(article, posting_count - 1, users)
        # The reader's approved comment makes them a returning author: what they post is
        # approved at once (and counted), the path most posts take on a living site.
        approved_comment(article, reader, "First!")
        refresh_comment_count(article.pk)
        posting.append(article)
    return BenchSite(
        article_urls={count: article.get_absolute_url() for count, article in articles.items()},
        posting_article_urls=[article.get_absolute_url() for article in posting],
        posting_article_pks=[article.pk for article in posting],
        posting_comment_count=posting_count,
        reader_cookie=cookie,
    )
