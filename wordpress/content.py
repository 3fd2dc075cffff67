"""A WordPress post's HTML as Liaison sections of Markdown, and a comment's HTML as plain text.

Both editors' markup is read: the block editor's (`<!-- wp:paragraph -->` and friends,
whose comments only delimit blocks) and the classic editor's, where paragraphs are text
separated by blank lines and a single newline is a line break. The HTML is first cleaned by
nh3 (scripts, styles and their content gone, every attribute but a link's address dropped,
broken markup repaired), then written as Markdown that an editor can keep editing. A
section's own save renders and sanitizes that Markdown like any other (blog/rendering.py).

Headings of the highest level a post uses start sections; deeper ones stay inside as
Markdown headings. Images, embedded frames, audio, video and galleries have no place in a
section's text: they are left out and counted, so the importer can say so.
"""

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

import nh3

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
MEDIA = {"img", "picture", "iframe", "video", "audio", "object", "embed"}
# Elements that only group blocks: what is inside them flows on as if they were not there.
CONTAINERS = {
    "div",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "main",
    "figure",
    "center",
    "dl",
    "thead",
    "tbody",
    "tfoot",
}
INLINE = {
    "a",
    "strong",
    "b",
    "em",
    "i",
    "cite",
    "code",
    "kbd",
    "samp",
    "var",
    "del",
    "s",
    "strike",
    "sub",
    "sup",
    "q",
    "br",
}
KEPT_TAGS = (
    set(HEADINGS)
    | MEDIA
    | CONTAINERS
    | INLINE
    | {"p", "ul", "ol", "li", "blockquote", "pre", "hr", "table", "tr", "th", "td"}
    | {"caption", "figcaption", "dt", "dd", "address"}
)
# Dropped with everything inside them.
DROPPED_WITH_CONTENT = {"script", "style", "noscript", "template", "svg", "math", "textarea"}
URL_SCHEMES = {"http", "https", "mailto"}
VOID = {"br", "hr", "img", "embed"}

# Shortcodes that stand for media (a captioned image is one), and those that wrap a URL to embed.
MEDIA_SHORTCODE = re.compile(
    r"\[(caption|wp_caption)\b[^\]]*\].*?\[/\1\]"
    r"|\[(gallery|audio|video|playlist)\b[^\]]*\](?:.*?\[/\2\])?",
    re.DOTALL | re.IGNORECASE,
)
EMBED_SHORTCODE = re.compile(
    r"\[embed\b[^\]]*\](.*?)\[/embed\]|\[(?:youtube|vimeo)\s+([^\]\s]+)\s*\]",
    re.DOTALL | re.IGNORECASE,
)
URL = re.compile(r"https?://[^\s<>\"'\]\[\x00]+")
# Markdown reads these at the start of a line as a heading, a quote, a list or a rule.
LINE_START_MARKUP = re.compile(r"^(#|[-+](?=\s|$)|\d+(?=[.)](\s|$))|[=-]+\s*$)")

# Stand-ins for a paragraph break and a line break while inline text is gathered; the
# text itself (XML) cannot contain NUL.
PARAGRAPH = "\x00p\x00"
BREAK = "\x00br\x00"


@dataclass
class SectionText:
    heading: str
    body: str


@dataclass
class PostText:
    sections: list
    # Images, frames, audio, video, galleries: not carried into the sections.
    media_left_out: int = 0
    # Headings with nothing under them at the very start: no section to keep them in.
    dropped_headings: list = field(default_factory=list)


@dataclass
class Block:
    kind: str  # "paragraph", "heading", "list", "quote", "code", "rule", "table"
    text: str
    level: int = 0
    plain: str = ""


def post_sections(html):
    """The post's content as sections: (heading, Markdown body), in order."""
    classic = "<!-- wp:" not in html
    html, media = strip_shortcodes(html)
    writer = MarkdownWriter(classic=classic)
    blocks = writer.flow(parse(clean(html)).children, sectioning=True)
    result = PostText(sections=[], media_left_out=media + writer.media_left_out)
    top = min((block.level for block in blocks if block.kind == "heading"), default=0)
    heading, parts = "", []

    def close():
        if parts:
            result.sections.append(SectionText(heading, "\n\n".join(parts)))
        elif heading and result.sections:
            # Nothing under this heading: it stays, in order, at the end of the section before.
            previous = result.sections[-1]
            previous.body += "\n\n### " + escape_markdown(heading)
        elif heading:
            result.dropped_headings.append(heading)

    for block in blocks:
        if block.kind == "heading" and block.level == top:
            close()
            heading, parts = block.plain, []
        elif block.kind == "heading":
            parts.append("#" * min(6, 2 + block.level - top) + " " + block.text)
        else:
            parts.append(block.text)
    close()
    return result


def comment_text(html):
    """A comment's HTML as the plain text comments are stored in: paragraphs separated by a
    blank line, links as "text (address)", quotes marked with "> "."""
    root = parse(
        nh3.clean(
            html.replace("\r\n", "\n"),
            tags={"a", "br", "p", "div", "blockquote", "ul", "ol", "li", "pre"},
            attributes={"a": {"href"}},
            url_schemes=URL_SCHEMES,
            link_rel=None,
            clean_content_tags=DROPPED_WITH_CONTENT,
        )
    )
    text = plain_of(root)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def plain_text(html):
    """Text without markup, for titles, excerpts and captions."""
    cleaned = nh3.clean(html, tags=set(), clean_content_tags=DROPPED_WITH_CONTENT)
    return " ".join(unescape(cleaned).split())


def clean(html):
    return nh3.clean(
        html.replace("\r\n", "\n"),
        tags=KEPT_TAGS,
        attributes={"a": {"href"}, "ol": {"start"}},
        url_schemes=URL_SCHEMES,
        link_rel=None,
        clean_content_tags=DROPPED_WITH_CONTENT,
    )


def strip_shortcodes(html):
    """Drop media shortcodes (counted), keep the address of an embed on a line of its own."""
    html, media = MEDIA_SHORTCODE.subn("", html)
    html = EMBED_SHORTCODE.sub(lambda match: f"\n\n{(match[1] or match[2]).strip()}\n\n", html)
    return html, media


# Parsing nh3's output (well-formed, every tag closed) into a small tree


class HtmlNode:
    __slots__ = ("attrs", "children", "tag")

    def __init__(self, tag, attrs=None):
        self.tag = tag
        self.attrs = dict(attrs or ())
        self.children = []


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = HtmlNode("root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = HtmlNode(tag, attrs)
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(HtmlNode(tag, attrs))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html):
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def text_of(node):
    """Every piece of text under `node`, line breaks as newlines, nothing else."""
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return "\n"
    return "".join(text_of(child) for child in node.children)


def plain_of(node):
    """A comment's text: like text_of, with paragraphs, links and quotes kept readable."""
    if isinstance(node, str):
        return node
    inner = "".join(plain_of(child) for child in node.children)
    if node.tag == "br":
        return "\n"
    if node.tag == "a":
        address = node.attrs.get("href", "")
        label = inner.strip()
        if address and label and label != address:
            return f"{inner} ({address})"
        return inner or address
    if node.tag == "blockquote":
        lines = inner.strip().splitlines()
        return "\n\n" + "\n".join(f"> {line}".rstrip() for line in lines) + "\n\n"
    if node.tag == "li":
        return "\n- " + inner.strip()
    if node.tag in ("p", "div", "pre", "ul", "ol"):
        return "\n\n" + inner.strip("\n") + "\n\n"
    return inner


def contains_media(node):
    return any(
        not isinstance(child, str) and (child.tag in MEDIA or contains_media(child))
        for child in node.children
    )


# Writing Markdown


def escape_markdown(text):
    """Literal text for Markdown: nothing in it becomes markup, raw HTML included."""
    text = text.replace("\\", "\\\\")
    for character in "`*_[]":
        text = text.replace(character, "\\" + character)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_line_start(line):
    """A line of text that Markdown would read as a heading, list, quote or rule, escaped."""
    match = LINE_START_MARKUP.match(line)
    if match is None:
        return line
    if set(match[0].strip()) <= {"=", "-"} and match[0].strip():
        # A line of only "=" or "-" would turn the line above into a heading.
        return "".join("&#61;" if c == "=" else "\\-" if c == "-" else c for c in line)
    if match[0][0].isdigit():
        return line[: match.end()] + "\\" + line[match.end() :]
    return "\\" + line


def emphasis(marker, text):
    """`text` between Markdown emphasis markers, with its outer spaces left outside them."""
    if not text.strip():
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}{marker}{text.strip()}{marker}{trail}"


def link_address(address):
    return (
        address.replace(" ", "%20")
        .replace("(", "%28")
        .replace(")", "%29")
        .replace("<", "%3C")
        .replace(">", "%3E")
    )


def indent(text, prefix):
    return "\n".join(prefix + line if line else line for line in text.split("\n"))


class MarkdownWriter:
    def __init__(self, classic):
        # Classic editor text: a blank line ends a paragraph, a newline is a line break.
        self.classic = classic
        self.media_left_out = 0

    # Blocks

    def flow(self, nodes, sectioning):
        """Blocks from a run of mixed nodes: inline nodes between blocks form paragraphs.

        With `sectioning`, headings stay headings (the caller makes sections of them);
        inside a quote, a list or a table they are bold paragraphs.
        """
        blocks, run = [], []
        for node in nodes:
            if isinstance(node, str) or node.tag in INLINE:
                run.append(node)
                continue
            blocks.extend(self.paragraphs(run))
            run = []
            blocks.extend(self.block(node, sectioning))
        blocks.extend(self.paragraphs(run))
        return blocks

    def block(self, node, sectioning):
        tag = node.tag
        if tag in MEDIA:
            self.media_left_out += 1
            return []
        if tag == "figure" and contains_media(node):
            # An image (or an embed) with its caption: neither makes sense without the other.
            self.media_left_out += 1
            return []
        if tag in HEADINGS:
            text = self.inline_text(node.children)
            if not text:
                return []
            plain = " ".join(text_of(node).split())
            if sectioning:
                return [Block("heading", text, level=HEADINGS[tag], plain=plain)]
            return [Block("paragraph", emphasis("**", text))]
        if tag in ("ul", "ol"):
            return self.list_block(node, ordered=tag == "ol")
        if tag == "blockquote":
            inner = join_blocks(self.flow(node.children, sectioning=False))
            if not inner:
                return []
            return [Block("quote", indent(inner, "> ").replace("\n\n", "\n>\n"))]
        if tag == "pre":
            code = text_of(node).strip("\n").rstrip()
            if not code.strip():
                return []
            return [Block("code", indent(code.expandtabs(4), "    "))]
        if tag == "hr":
            return [Block("rule", "* * *")]
        if tag == "table":
            return self.table(node)
        if tag == "dt":
            return [
                Block("paragraph", emphasis("**", paragraph))
                for paragraph in self.paragraph_texts(node.children)
            ]
        if tag in CONTAINERS or tag not in ("p", "caption", "figcaption", "address", "dd", "li"):
            return self.flow(node.children, sectioning)
        return self.paragraphs(node.children)

    def paragraphs(self, nodes):
        return [Block("paragraph", text) for text in self.paragraph_texts(nodes)]

    def paragraph_texts(self, nodes):
        """Markdown paragraphs from inline nodes; a block element met inside (HTML allows a
        paragraph in a link) ends a paragraph."""
        if not nodes:
            return []
        gathered = self.inline(nodes)
        texts = []
        for piece in gathered.split(PARAGRAPH):
            lines = [" ".join(line.split()) for line in piece.split(BREAK)]
            while lines and not lines[0]:
                lines.pop(0)
            while lines and not lines[-1]:
                lines.pop()
            if lines:
                texts.append("  \n".join(escape_line_start(line) for line in lines))
        return texts

    def list_block(self, node, ordered):
        items = []
        loose = False
        number = int(node.attrs.get("start", "1") or 1) if ordered else 0
        for child in node.children:
            if isinstance(child, str) and not child.strip():
                continue
            nodes = child.children if not isinstance(child, str) and child.tag == "li" else [child]
            blocks = self.flow(nodes, sectioning=False)
            if not blocks:
                continue
            marker = f"{number}. " if ordered else "- "
            number += 1
            text = marker + indent(blocks[0].text, "    ").lstrip()
            for block in blocks[1:]:
                if block.kind == "list":
                    text += "\n" + indent(block.text, "    ")
                else:
                    text += "\n\n" + indent(block.text, "    ")
                    loose = True
            items.append(text)
        if not items:
            return []
        return [Block("list", ("\n\n" if loose else "\n").join(items))]

    def table(self, node):
        rows = []
        for row in iter_rows(node):
            cells = [
                " ".join(self.inline_text(cell.children).split()).replace("|", "\\|")
                for cell in row.children
                if not isinstance(cell, str) and cell.tag in ("th", "td")
            ]
            if any(cells):
                rows.append(cells)
        blocks = []
        if rows:
            width = max(len(cells) for cells in rows)
            rows = [cells + [""] * (width - len(cells)) for cells in rows]
            lines = ["| " + " | ".join(cells) + " |" for cells in rows]
            lines.insert(1, "|" + " --- |" * width)
            blocks.append(Block("table", "\n".join(lines)))
        for caption in node.children:
            if not isinstance(caption, str) and caption.tag == "caption":
                blocks.extend(self.paragraphs(caption.children))
        return blocks

    # Inline

    def inline_text(self, nodes):
        """Inline Markdown on one line: breaks of any kind become spaces."""
        text = self.inline(nodes).replace(PARAGRAPH, " ").replace(BREAK, " ")
        return " ".join(text.split())

    def inline(self, nodes, in_link=False):
        out = []
        for node in nodes:
            if isinstance(node, str):
                out.append(self.text(node, in_link))
                continue
            tag = node.tag
            if tag == "br":
                out.append(BREAK)
            elif tag in MEDIA:
                self.media_left_out += 1
            elif tag in ("strong", "b"):
                out.append(emphasis("**", self.inline(node.children, in_link)))
            elif tag in ("em", "i", "cite"):
                out.append(emphasis("*", self.inline(node.children, in_link)))
            elif tag in ("code", "kbd", "samp", "var"):
                out.append(code_span(" ".join(text_of(node).split())))
            elif tag in ("del", "s", "strike", "sub", "sup"):
                name = "del" if tag in ("s", "strike") else tag
                inner = self.inline(node.children, in_link)
                out.append(f"<{name}>{inner}</{name}>" if inner.strip() else inner)
            elif tag == "q":
                out.append("“" + self.inline(node.children, in_link) + "”")
            elif tag == "a":
                out.append(self.link(node, in_link))
            elif tag in INLINE:
                out.append(self.inline(node.children, in_link))
            else:
                # A block inside inline content: its text, as a paragraph of its own.
                out.append(PARAGRAPH + self.inline(node.children, in_link) + PARAGRAPH)
        return "".join(out)

    def link(self, node, in_link):
        address = node.attrs.get("href", "").strip()
        label = self.inline(node.children, in_link=True)
        label = label.replace(PARAGRAPH, " ").replace(BREAK, " ")
        if in_link or not address:
            return label
        lead = " " if label[:1].isspace() else ""
        trail = " " if label[-1:].isspace() else ""
        label = " ".join(label.split())
        if not label or " ".join(text_of(node).split()) == address:
            if URL.fullmatch(address):
                return f"{lead}<{link_address(address)}>{trail}"
            label = escape_markdown(address)
        return f"{lead}[{label}]({link_address(address)}){trail}"

    def text(self, text, in_link):
        if self.classic:
            text = re.sub(r"\n[ \t]*\n\s*", PARAGRAPH, text)
            text = text.replace("\n", BREAK)
        else:
            text = re.sub(r"\s+", " ", text)
        if in_link:
            return escape_markdown(text)
        out, last = [], 0
        for match in URL.finditer(text):
            address = match[0].rstrip(".,;:!?)")
            out.append(escape_markdown(text[last : match.start()]))
            out.append(f"<{address}>")
            last = match.start() + len(address)
        out.append(escape_markdown(text[last:]))
        return "".join(out)


def code_span(code):
    if not code:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{fence}{padding}{code}{padding}{fence}"


def iter_rows(node):
    for child in node.children:
        if isinstance(child, str):
            continue
        if child.tag == "tr":
            yield child
        elif child.tag in ("thead", "tbody", "tfoot"):
            yield from iter_rows(child)


def join_blocks(blocks):
    return "\n\n".join(block.text for block in blocks)
