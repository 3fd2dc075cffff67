"""What an article's discussion shows a reader: one page of threads, and Leave a Reply.

Top-level threads are paged; each thread on the page comes whole. A page takes the ids of
the threads listed for its viewer, cached under the content version (listed_threads);
each thread's HTML then comes from the cache, keyed by the content version
(blog.models.ContentVersion, bumped by every change to a comment or to the rules) and by
the kind of viewer, so that no viewer is ever shown another's controls: readers not
logged in, logged-in readers and moderators each have their own copies. A thread holding
the viewer's own comments is rendered for them alone, never cached: it may show their
held comment, has no Report button on their own, and has their Edit (while the editor's
window is open) and Delete. Only the threads the cache misses are read, in one query, and
rendered.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.paginator import Paginator
from django.template.loader import render_to_string

from blog.models import Article, Motive

from .forms import CommentForm
from .models import Comment, Commenter, current_rules
from .moderators import is_moderator
from .policy import BANNED_MESSAGE, comments_open
from .services import decisions_for

# Kinds of viewer whose thread HTML is the same for everyone of the kind.
ANONYMOUS, READER, MODERATOR = "anonymous", "reader", "moderator"
# Long enough to outlive a burst of readers; a new content version makes it unreachable.
THREAD_CACHE_SECONDS = 24 * 60 * 60
# How many of a motive's newest comments its page shows.
MOTIVE_PAGE_COMMENTS = 10


@dataclass
class ThreadNode:
    comment: Comment
    replies: list = field(default_factory=list)
    # Shown only as "This comment was removed." (or held), to keep its visible replies.
    placeholder: bool = False
    can_reply: bool = False


def build_tree(comments, viewer, rules, open_for_replies=True):
    """Nest comments read in thread order. A comment the viewer may not see stays as a
    placeholder when some reply below it is visible, and is left out otherwise."""
    nodes, roots = {}, []
    for comment in comments:
        node = ThreadNode(comment, placeholder=not comment.is_visible_to(viewer))
        node.can_reply = (
            open_for_replies
            and not node.placeholder
            and comment.is_public
            and comment.level < rules.max_level
        )
        if comment.level == 0:
            roots.append(node)
        elif comment.parent_id in nodes:
            nodes[comment.parent_id].replies.append(node)
        else:
            continue
        nodes[comment.pk] = node
    return prune(roots)


def prune(nodes):
    kept = []
    for node in nodes:
        node.replies = prune(node.replies)
        if not node.placeholder or node.replies:
            kept.append(node)
    return kept


@dataclass
class Entry:
    """One comment of a thread, in reading order, with what its markup needs: the template
    opens a list of replies after it, or closes it, and then closes `closes` lists."""

    comment: Comment
    placeholder: bool
    can_reply: bool
    can_report: bool
    own: bool
    decisions: list
    has_replies: bool
    closes: range = range(0)
    # The author's Edit (while the editor's window is open) and Delete: only ever in a
    # thread rendered for its author alone, never in a cached one.
    can_edit: bool = False
    can_delete: bool = False


def entries_of(node, viewer, kind, entries=None, rules=None, may_edit=True):
    entries = [] if entries is None else entries
    comment = node.comment
    own = viewer.is_authenticated and comment.user_id == viewer.pk
    mine = own and not node.placeholder
    entries.append(
        Entry(
            comment=comment,
            placeholder=node.placeholder,
            can_reply=node.can_reply,
            can_report=kind == READER and comment.is_public and not own,
            own=own,
            decisions=decisions_for(comment) if kind == MODERATOR else [],
            has_replies=bool(node.replies),
            can_edit=mine and may_edit and comment.edit_refusal(viewer, rules) is None,
            can_delete=mine and comment.deletion_refusal(viewer) is None,
        )
    )
    for reply in node.replies:
        entries_of(reply, viewer, kind, entries, rules, may_edit)
    if node.replies:
        # The last comment below this one closes this one's list of replies, and its item.
        last = entries[-1]
        last.closes = range(len(last.closes) + 1)
    return entries


def render_thread(root, viewer, kind, rules=None, may_edit=True):
    """`may_edit`: the viewer passes the gate an edit passes (comments open, not banned;
    services.edit_refusal), so that their Edit shows only where saving it would."""
    entries = entries_of(root, viewer, kind, rules=rules, may_edit=may_edit)
    return render_to_string("comments/thread.html", {"entries": entries})


def viewer_kind(user):
    if is_moderator(user):
        return MODERATOR
    return READER if user.is_authenticated else ANONYMOUS


@dataclass
class DiscussionPage:
    # Each thread's HTML, in the order of the page.
    threads: list
    page: object
    count: int
    # The motive the discussion is filtered to (?motive=<slug>), or None.
    motive: Motive | None = None


def discussion_page(
    article,
    user,
    version,
    page_number=1,
    open_for_replies=True,
    motive=None,
    viewer_may_write=True,
):
    """The page's threads as HTML, in a fixed number of queries whatever the number of
    comments: the viewer's own threads (when logged in), the listed threads' ids (from the
    cache, but for its first reader under a content version: listed_threads), then the
    comments of the threads the cache did not have (none when it had them all). Threads
    are listed as CommentQuerySet.listed_roots() lists them, which Comment.page_number()
    counts too. `version` is the content version, read before this.

    With a `motive`, only the threads discussing a section that argues it are listed, on
    pages of their own (a reply carries its thread's section, so threads stay whole), and
    the count is theirs: one more query. A comment's permalink keeps counting the
    unfiltered pages. `viewer_may_write`: Leave a Reply gives the viewer its form (comments
    open, not banned); without it their own comments show no Edit (their Delete stays).
    """
    rules = current_rules()
    in_article = Comment.objects.for_article(article)
    kind = viewer_kind(user)
    # The threads holding the viewer's own comments, and of those the threads their comments
    # not removed list for them.
    own, own_listed = set(), set()
    if user.is_authenticated:
        own_comments = in_article.filter(user=user).values_list("thread_id", "is_removed")
        for thread_id, is_removed in own_comments.distinct():
            own.add(thread_id)
            if not is_removed:
                own_listed.add(thread_id)
    listed = listed_threads(in_article, article, user, kind, own_listed, version, rules, motive)
    page, thread_ids = page_of_threads(listed, rules.top_level_per_page, page_number)
    shown = motive.slug if motive is not None else ""
    keys = {
        thread_id: f"discussion:{version}:{kind}:{int(open_for_replies)}:{shown}:{thread_id}"
        for thread_id in thread_ids
        if thread_id not in own
    }
    html = cache.get_many(list(keys.values())) if keys else {}
    missing = [thread_id for thread_id in thread_ids if keys.get(thread_id) not in html]
    rendered = {}
    if missing:
        comments = (
            in_article.filter(thread_id__in=missing, is_spam=False)
            .select_related("section")
            .in_thread_order(rules.order)
        )
        for root in build_tree(comments, user, rules, open_for_replies):
            rendered[root.comment.thread_id] = render_thread(
                root, user, kind, rules, may_edit=viewer_may_write
            )
        cache.set_many(
            {keys[tid]: text for tid, text in rendered.items() if tid in keys},
            THREAD_CACHE_SECONDS,
        )
    threads = []
    for thread_id in thread_ids:
        text = html.get(keys.get(thread_id), rendered.get(thread_id))
        # A listed thread can still come out empty: its only visible comment went between
        # the two queries.
        if text:
            threads.append(text)
    count = article.comment_count
    if motive is not None:
        count = in_article.public().on_motive(motive).count()
    return DiscussionPage(threads=threads, page=page, count=count, motive=motive)


def listed_threads(in_article, article, viewer, kind, own_listed, version, rules, motive):
    """The ids of the threads listed for `viewer`, in the discussion's order, as
    CommentQuerySet.listed_roots() lists them. Readers not logged in and moderators each
    see the same threads, and a logged-in reader sees those a reader not logged in sees,
    plus the threads their own comments awaiting moderation open: each list is cached
    under the content version, and only a reader whose own held comment opens a thread
    nobody else sees has theirs read for them. Reading the list was a query of 1.2-1.4 ms
    on PostgreSQL at 200 comments (a fifth of a rendered page's time), and its ORM
    compilation a tenth of the page on SQLite."""
    shared_kind, shared_viewer = (
        (MODERATOR, viewer) if kind == MODERATOR else (ANONYMOUS, AnonymousUser())
    )
    key = (
        f"listed:{version}:{shared_kind}:{article.pk}:"
        f"{rules.order}:{motive.slug if motive is not None else ''}"
    )
    listed = cache.get(key)
    if listed is None:
        listed = roots_listed_for(in_article, shared_viewer, rules, motive)
        cache.set(key, listed, THREAD_CACHE_SECONDS)
    if kind == READER and not own_listed <= set(listed):
        return roots_listed_for(in_article, viewer, rules, motive)
    return listed


def roots_listed_for(in_article, viewer, rules, motive):
    listed = in_article.listed_roots(viewer)
    if motive is not None:
        listed = listed.on_motive(motive)
    return list(listed.in_thread_order(rules.order).values_list("thread_id", flat=True))


def page_of_threads(thread_ids, per_page, page_number):
    """(the paginator's page, the ids of the threads on it), from `thread_ids`, the listed
    threads in order (listed_threads)."""
    page = Paginator(thread_ids, per_page).get_page(page_number)
    return page, list(page.object_list)


def section_comment_counts(article):
    """{section id: approved comments discussing it}: one aggregate query for the article."""
    return Comment.objects.for_article(article).public().section_counts()


@dataclass
class MotiveComment:
    """A comment on a motive's page: where it was posted, and its link in place."""

    comment: Comment
    article: Article
    link: str


def newest_on_motive(motive, count=MOTIVE_PAGE_COMMENTS):
    """The newest approved comments discussing `motive` on published articles, each with
    its link on the page of its article's discussion that shows it to a reader not logged
    in: one query, the section's article joined (a comment's section is on its article)."""
    rules = current_rules()
    comments = (
        Comment.objects.on_published_articles()
        .published()
        .on_motive(motive)
        .select_related("section__article")
        .order_by("-submit_date", "-pk")
        .with_threads_before(rules.order)[:count]
    )
    return [
        MotiveComment(
            comment,
            comment.section.article,
            comment.url_on_page(comment.section.article, rules.page_of(comment.threads_before)),
        )
        for comment in comments
    ]


def motive_named(slug):
    """The motive of a `?motive=` filter, or None for no filter (or an unknown slug)."""
    if not slug:
        return None
    return Motive.objects.filter(slug=slug).first()


def leave_a_reply(article, user, parent=None, section=None):
    """What the Leave a Reply block shows, on the article, a reply page or a section's
    page: whether comments are open, whether this reader is banned, and the form when they
    may write (tied to `section` when one is given)."""
    accepts = comments_open(article)
    banned = accepts and Commenter.standing_of(user) == Commenter.Standing.BANNED
    may_write = accepts and user.is_authenticated and not banned
    if parent is not None:
        may_write = may_write and parent.allow_thread()
    return {
        "accepts_comments": accepts,
        "banned": banned,
        "banned_message": BANNED_MESSAGE,
        "form": (
            CommentForm(
                article,
                comment=parent,
                user=user,
                initial={"section": section.pk} if section is not None else {},
            )
            if may_write
            else None
        ),
    }
