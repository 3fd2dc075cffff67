"""Reading a WordPress export (WXR, Tools → Export) into plain data. Nothing here writes.

The file is parsed with defusedxml: a document that declares entities (the "billion laughs"
expansion, external entities reading files or URLs) is refused before any of it is used.
A file that is not XML, is cut short, or is XML but not a WordPress export is refused with
a message saying which. What comes out is the export as WordPress wrote it — dates already
made aware, slugs percent-decoded — and the importer decides what becomes of it.
"""

import codecs
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote_to_bytes, urlsplit
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeElementTree
from django.utils import timezone

# WXR 1.0, 1.1 and 1.2 each name their version in the namespace.
WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/\d+\.\d+/$")
CONTENT_NAMESPACE = "http://purl.org/rss/1.0/modules/content/"
DC_NAMESPACE = "http://purl.org/dc/elements/1.1/"
# What WordPress writes for a date it never set (drafts' GMT dates, for one).
ZERO_DATE = "0000-00-00 00:00:00"
WP_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# Expat's error codes for a document that stops before its end: no element found,
# unclosed token, partial character, unclosed CDATA section.
ENDED_EARLY = {3, 5, 6, 20}


class NotAnExport(Exception):
    """The file cannot be imported; the message says why, for the person running the import."""


@dataclass
class Author:
    wp_id: int | None
    login: str
    email: str
    display_name: str
    first_name: str
    last_name: str


@dataclass
class Term:
    """A category or tag (or a term of another taxonomy, which the importer skips)."""

    wp_id: int | None
    taxonomy: str
    slug: str
    name: str
    description: str


@dataclass
class ExportedComment:
    wp_id: int
    parent_id: int
    author: str
    email: str
    url: str
    ip: str
    date: datetime | None
    content: str
    approved: str
    comment_type: str
    user_id: int
    meta: dict = field(default_factory=dict)

    @property
    def is_ping(self):
        return self.comment_type in ("pingback", "trackback")


@dataclass
class ItemTerm:
    """A category or tag as an item names it: by taxonomy ("domain") and slug ("nicename")."""

    taxonomy: str
    slug: str
    name: str


@dataclass
class Item:
    """A post, page, attachment or any other post type."""

    wp_id: int
    post_type: str
    status: str
    title: str
    link: str
    creator: str
    content: str
    excerpt: str
    slug: str
    date: datetime | None
    modified: datetime | None
    comment_status: str
    password: str
    attachment_url: str
    terms: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    comments: list = field(default_factory=list)

    @property
    def thumbnail_id(self):
        return to_int(self.meta.get("_thumbnail_id", ""))


@dataclass
class Export:
    site: str
    title: str
    authors: list
    terms: list
    items: list

    @property
    def attachments(self):
        return {item.wp_id: item for item in self.items if item.post_type == "attachment"}


def read_export(path):
    """The export in the file at `path`; NotAnExport when it is unsafe, broken or not WXR."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise NotAnExport(f"it cannot be read ({error.strerror or error}).") from error
    root = parse_safely(data)
    return export_from(root)


def parse_safely(data):
    if not data.strip():
        raise NotAnExport("the file is empty.")
    try:
        return SafeElementTree.fromstring(
            data, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except defusedxml.EntitiesForbidden as error:
        if error.sysid or error.pubid:
            raise NotAnExport(
                f"it declares an external entity ({error.name}, {error.sysid or error.pubid}), "
                "which would read a file or an address outside the export. WordPress never "
                "writes one: refused."
            ) from error
        raise NotAnExport(
            f"it declares an XML entity ({error.name}); entities can expand without bound "
            "(the 'billion laughs' attack) and WordPress never writes one: refused."
        ) from error
    except defusedxml.DefusedXmlException as error:
        raise NotAnExport(
            f"it uses XML features an export never has ({error}): refused."
        ) from error
    except ParseError as error:
        raise NotAnExport(parse_error_message(data, error)) from error


def parse_error_message(data, error):
    line, column = error.position
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"<"):
        return "it is not XML (a WordPress export starts with <?xml or <rss)."
    last_line = data.rstrip().count(b"\n") + 1
    if error.code in ENDED_EARLY and line >= last_line:
        return (
            f"it ends before the export does (line {line}, column {column}): the file is "
            "truncated. Export again from WordPress, or copy the whole file."
        )
    reason = str(error).split(":")[0]
    return f"it is not well-formed XML ({reason} at line {line}, column {column})."


def export_from(root):
    if local_name(root.tag) != "rss":
        raise NotAnExport(
            f"it is XML but not a WordPress export (WXR): its root is <{local_name(root.tag)}>, "
            "not <rss>."
        )
    channel = root.find("channel")
    wp = wp_namespace(channel) if channel is not None else None
    if wp is None:
        raise NotAnExport(
            "it is XML but not a WordPress export (WXR): it has no wp:wxr_version. Export "
            "with WordPress's Tools → Export."
        )
    reader = Reader(wp)
    site = site_key(
        reader.text(channel, "base_blog_url")
        or reader.text(channel, "base_site_url")
        or (channel.findtext("link") or "")
    )
    if not site:
        raise NotAnExport("it does not name its site (no wp:base_blog_url or wp:base_site_url).")
    return Export(
        site=site,
        title=(channel.findtext("title") or "").strip(),
        authors=[reader.author(element) for element in channel.findall(f"{{{wp}}}author")],
        terms=reader.terms(channel),
        items=[reader.item(element) for element in channel.findall("item")],
    )


def local_name(tag):
    return tag.rsplit("}", 1)[-1]


def wp_namespace(channel):
    for child in channel:
        namespace, _, name = child.tag[1:].partition("}")
        if name == "wxr_version" and WP_NAMESPACE.match(namespace):
            return namespace
    return None


def site_key(url):
    """The site as the links remember it: host and path, no scheme, no trailing slash."""
    parts = urlsplit(url.strip())
    if not parts.netloc:
        return parts.path.strip("/").lower()
    return (parts.netloc.lower() + parts.path.rstrip("/"))[:200]


class Reader:
    """Reads WXR elements in the export's own wp namespace."""

    def __init__(self, wp):
        self.wp = wp
        self.excerpt = wp + "excerpt/"

    def text(self, element, name, namespace=None):
        return (element.findtext(f"{{{namespace or self.wp}}}{name}") or "").strip()

    def author(self, element):
        return Author(
            wp_id=to_int(self.text(element, "author_id")) or None,
            login=self.text(element, "author_login"),
            email=self.text(element, "author_email"),
            display_name=self.text(element, "author_display_name"),
            first_name=self.text(element, "author_first_name"),
            last_name=self.text(element, "author_last_name"),
        )

    def terms(self, channel):
        """Every category and tag once, though WordPress lists each twice (as wp:category or
        wp:tag, and again as wp:term)."""
        found = {}
        for element in channel:
            namespace, _, name = element.tag[1:].partition("}")
            if namespace != self.wp:
                continue
            if name == "category":
                term = Term(
                    wp_id=to_int(self.text(element, "term_id")) or None,
                    taxonomy="category",
                    slug=decode_slug(self.text(element, "category_nicename")),
                    name=self.text(element, "cat_name"),
                    description=self.text(element, "category_description"),
                )
            elif name == "tag":
                term = Term(
                    wp_id=to_int(self.text(element, "term_id")) or None,
                    taxonomy="post_tag",
                    slug=decode_slug(self.text(element, "tag_slug")),
                    name=self.text(element, "tag_name"),
                    description=self.text(element, "tag_description"),
                )
            elif name == "term":
                term = Term(
                    wp_id=to_int(self.text(element, "term_id")) or None,
                    taxonomy=self.text(element, "term_taxonomy"),
                    slug=decode_slug(self.text(element, "term_slug")),
                    name=self.text(element, "term_name"),
                    description=self.text(element, "term_description"),
                )
            else:
                continue
            key = (term.taxonomy, term.wp_id if term.wp_id is not None else term.slug)
            found.setdefault(key, term)
        return list(found.values())

    def item(self, element):
        wp_id = to_int(self.text(element, "post_id"))
        return Item(
            wp_id=wp_id,
            post_type=self.text(element, "post_type") or "post",
            status=self.text(element, "status"),
            title=element.findtext("title") or "",
            link=(element.findtext("link") or "").strip(),
            creator=(element.findtext(f"{{{DC_NAMESPACE}}}creator") or "").strip(),
            content=element.findtext(f"{{{CONTENT_NAMESPACE}}}encoded") or "",
            excerpt=element.findtext(f"{{{self.excerpt}}}encoded") or "",
            slug=decode_slug(self.text(element, "post_name")),
            date=wp_date(self.text(element, "post_date_gmt"), self.text(element, "post_date")),
            modified=wp_date(
                self.text(element, "post_modified_gmt"), self.text(element, "post_modified")
            ),
            comment_status=self.text(element, "comment_status"),
            password=self.text(element, "post_password"),
            attachment_url=self.text(element, "attachment_url"),
            terms=[
                ItemTerm(
                    taxonomy=category.get("domain", ""),
                    slug=decode_slug(category.get("nicename", "")),
                    name=(category.text or "").strip(),
                )
                for category in element.findall("category")
                if category.get("domain")
            ],
            meta=self.meta(element, "postmeta"),
            comments=[self.comment(child) for child in element.findall(f"{{{self.wp}}}comment")],
        )

    def meta(self, element, name):
        return {
            self.text(meta, "meta_key"): self.text(meta, "meta_value")
            for meta in element.findall(f"{{{self.wp}}}{name}")
        }

    def comment(self, element):
        return ExportedComment(
            wp_id=to_int(self.text(element, "comment_id")),
            parent_id=to_int(self.text(element, "comment_parent")),
            author=self.text(element, "comment_author"),
            email=self.text(element, "comment_author_email"),
            url=self.text(element, "comment_author_url"),
            ip=self.text(element, "comment_author_IP"),
            date=wp_date(
                self.text(element, "comment_date_gmt"), self.text(element, "comment_date")
            ),
            content=element.findtext(f"{{{self.wp}}}comment_content") or "",
            approved=self.text(element, "comment_approved"),
            comment_type=self.text(element, "comment_type"),
            user_id=to_int(self.text(element, "comment_user_id")),
            meta=self.meta(element, "commentmeta"),
        )


def to_int(text):
    try:
        return int(str(text).strip())
    except ValueError:
        return 0


def wp_date(gmt, local):
    """The GMT date; the local one in the site's time zone when WordPress wrote zeros for GMT
    (it does for drafts); None when neither is a date."""
    for value, zone in ((gmt, UTC), (local, timezone.get_default_timezone())):
        if not value or value == ZERO_DATE:
            continue
        try:
            moment = datetime.strptime(value, WP_DATE_FORMAT)
        except ValueError:
            continue
        return timezone.make_aware(moment, zone)
    return None


def decode_slug(raw):
    """A percent-encoded slug as text. WordPress cuts slugs at 200 bytes of their encoded form,
    so the last escape, or the last character's bytes, may be cut short: that part is dropped."""
    raw = re.sub(r"%[0-9A-Fa-f]?$", "", raw.strip())
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    # final=False: bytes of a character that was cut short are held back, not decoded.
    return decoder.decode(unquote_to_bytes(raw), final=False)
