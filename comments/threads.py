"""One page of an article's discussion, read in a fixed number of queries.

Top-level threads are paged; each thread on the page comes whole. xtd's stock tree
template costs two permission queries per comment (flaw 6 in docs/comments-xtd.md):
here the page is two queries whatever the number of comments, and the template only
reads lists.
"""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Subquery

from .models import Comment
from .rules import current_rules


@dataclass
class Node:
    comment: Comment
    replies: list = field(default_factory=list)


def build_tree(comments):
    """Nest comments read in thread order; a reply whose parent is not shown is left out."""
    nodes, roots = {}, []
    for comment in comments:
        node = Node(comment)
        if comment.level == 0:
            roots.append(node)
        elif comment.parent_id in nodes:
            nodes[comment.parent_id].replies.append(node)
        else:
            continue
        nodes[comment.pk] = node
    return roots


@dataclass
class DiscussionPage:
    threads: list
    page: object
    count: int


def discussion_page(article, user, page_number=1):
    """Two queries whatever the number of comments: the count of threads, then the
    comments of this page's threads (selected in a subquery)."""
    rules = current_rules()
    visible = Comment.objects.for_article(article).visible_to(user)
    roots = visible.roots().in_thread_order(rules.order).values("thread_id")
    page = Paginator(roots, rules.top_level_per_page).get_page(page_number)
    offset = page.start_index() - 1 if page.paginator.count else 0
    page_roots = roots[offset : offset + rules.top_level_per_page]
    comments = visible.filter(thread_id__in=Subquery(page_roots)).in_thread_order(rules.order)
    return DiscussionPage(threads=build_tree(comments), page=page, count=article.comment_count)
