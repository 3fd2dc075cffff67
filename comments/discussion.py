"""What an article's discussion shows a reader: one page of threads, and Leave a Reply.

Top-level threads are paged; each thread on the page comes whole. xtd's stock tree
template costs two permission queries per comment (flaw 6 in docs/comments-xtd.md):
here the page is two queries whatever the number of comments, and the template only
reads lists.
"""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Subquery

from .forms import CommentForm
from .models import Comment, Commenter, current_rules
from .policy import BANNED_MESSAGE, comments_open


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
class DiscussionPage:
    threads: list
    page: object
    count: int


def discussion_page(article, user, page_number=1, open_for_replies=True):
    """Two queries whatever the number of comments: the count of threads, then the
    comments of this page's threads (selected in a subquery). Threads are listed as
    CommentQuerySet.listed_roots() lists them, which Comment.page_number() counts too.
    """
    rules = current_rules()
    in_article = Comment.objects.for_article(article)
    roots = in_article.listed_roots(user).in_thread_order(rules.order).values("thread_id")
    page = Paginator(roots, rules.top_level_per_page).get_page(page_number)
    offset = page.start_index() - 1 if page.paginator.count else 0
    page_roots = roots[offset : offset + rules.top_level_per_page]
    comments = in_article.filter(thread_id__in=Subquery(page_roots), is_spam=False).in_thread_order(
        rules.order
    )
    return DiscussionPage(
        threads=build_tree(comments, user, rules, open_for_replies),
        page=page,
        count=article.comment_count,
    )


def leave_a_reply(article, user, parent=None):
    """What the Leave a Reply block shows, on the article or a reply page: whether comments
    are open, whether this reader is banned, and the form when they may write."""
    accepts = comments_open(article)
    banned = accepts and Commenter.standing_of(user) == Commenter.Standing.BANNED
    may_write = accepts and user.is_authenticated and not banned
    if parent is not None:
        may_write = may_write and parent.allow_thread()
    return {
        "accepts_comments": accepts,
        "banned": banned,
        "banned_message": BANNED_MESSAGE,
        "form": CommentForm(article, comment=parent, user=user) if may_write else None,
    }
