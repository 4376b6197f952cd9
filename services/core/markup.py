"""Notice bodies: Markdown as written by editors, offered to apps as sanitised HTML.

markdown-it renders CommonMark with raw HTML disabled (typed tags come out as text); nh3 then keeps
only an allowlist of tags, attributes and URL schemes, so no script, style, event handler or
javascript: URL reaches a client whatever the renderer lets through. Rendered on read, so a
stricter allowlist applies to every notice at once.
"""

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False})
_TAGS = {
    *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code"),
    *("ul", "ol", "li", "strong", "em", "a", "img", "table", "thead", "tbody", "tr", "th", "td"),
}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


def to_html(markdown: str) -> str:
    return nh3.clean(
        _markdown.render(markdown),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"https", "http", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
