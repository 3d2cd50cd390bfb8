"""Message bodies as staff read them: HTML as plain text, customer HTML sanitised, quotes cut off.

Works on decoded text only; which MIME part holds which body is the parser's business.
"""

import re
from html.parser import HTMLParser

import nh3


class _HtmlToText(HTMLParser):
    """HTML to readable plain text; blockquotes become "> " lines so quoted history can be trimmed."""

    # Blocks set off by a blank line, and blocks that only start a new line.
    PARAGRAPHS = {
        "p", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "blockquote",
        "section", "article", "header", "footer", "address", "dl", "center", "form",
    }  # fmt: skip
    LINES = {"div", "li", "tr", "dt", "dd"}
    SKIP = {"script", "style", "head", "title", "noscript", "template", "xml"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.skip_depth = 0
        self.pre_depth = 0
        self.link_href: str | None = None
        self.link_text: list[str] = []

    def _line_end(self, *, keep_empty: bool = False) -> None:
        text = "".join(self.current).strip()
        self.current = []
        if text or keep_empty:
            self.lines.append(("> " * self.quote_depth + text).rstrip())

    def _paragraph_end(self) -> None:
        self._line_end()
        if self.lines and self.lines[-1].strip("> "):
            self.lines.append(("> " * self.quote_depth).rstrip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip_depth += 1
        elif tag == "br":
            self._line_end(keep_empty=True)
        elif tag == "blockquote":
            self._paragraph_end()
            self.quote_depth += 1
        elif tag == "li":
            self._line_end()
            self.current.append("- ")
        elif tag in ("td", "th"):
            self.current.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt") or ""
            if alt.strip():
                self.current.append(f"[{alt.strip()}]")
        elif tag == "a":
            self.link_href = dict(attrs).get("href") or ""
            self.link_text = []
        elif tag in self.PARAGRAPHS:
            self._paragraph_end()
            if tag == "pre":
                self.pre_depth += 1
        elif tag in self.LINES:
            self._line_end()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "blockquote":
            self._line_end()
            self.quote_depth = max(0, self.quote_depth - 1)
            self._paragraph_end()
        elif tag == "a":
            href, text = self.link_href or "", "".join(self.link_text).strip()
            if href.startswith(("http://", "https://")) and href not in text:
                self.current.append(f" ({href})")
            self.link_href = None
        elif tag in self.PARAGRAPHS:
            if tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)
            self._paragraph_end()
        elif tag in self.LINES:
            self._line_end()

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.pre_depth:
            lines = data.split("\n")
            for line in lines[:-1]:
                self.current.append(line)
                self._line_end(keep_empty=True)
            self.current.append(lines[-1])
        else:
            data = re.sub(r"\s+", " ", data)
            if not self.current or "".join(self.current).endswith(" "):
                data = data.lstrip()
            self.current.append(data)
        if self.link_href is not None:
            self.link_text.append(data)

    def text(self) -> str:
        self._line_end()
        text = "\n".join(self.lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip()


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML mail body."""
    parser = _HtmlToText()
    parser.feed(html)
    parser.close()
    return parser.text()


def html_sanitise(html: str) -> str:
    """Customer HTML with scripts, styles, event handlers and unsafe links removed."""
    return nh3.clean(
        html,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


# Where quoted history starts, one line each: Outlook's and Foxmail/QQ's
# separators, and the "On ... wrote:" attributions of Gmail and Apple Mail
# in English and Chinese.
_QUOTE_MARKERS = [
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}$", re.IGNORECASE),
    re.compile(r"^-{3,}\s*(原始邮件|原始郵件|Original)\s*-{3,}$", re.IGNORECASE),
    re.compile(r"^_{20,}$"),
    re.compile(r"^On\s.{1,300}\swrote:$", re.IGNORECASE),
    re.compile(r"^.{0,200}(于|在)\s*\d{4}\s*年.{1,200}写道\s*[:\uff1a]$"),
    re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}.{0,200}(写道|wrote)\s*[:\uff1a]$"),
]
# Outlook's header block: "From: ..." followed within a few lines by "Sent: ...".
_HEADER_FROM = re.compile(r"^\*?(From|发件人|寄件者|Von|De)\s*\*?\s*[:\uff1a]", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\*?(Sent|Date|发送时间|寄件日期|日期|时间|Gesendet|Envoyé)\s*\*?\s*[:\uff1a]", re.IGNORECASE
)


def _quote_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        # Gmail wraps a long attribution over two lines.
        joined = f"{stripped} {lines[index + 1].strip()}" if index + 1 < len(lines) else stripped
        if any(marker.match(stripped) or marker.match(joined) for marker in _QUOTE_MARKERS):
            return index
        if _HEADER_FROM.match(stripped) and any(
            _HEADER_SENT.match(following.strip()) for following in lines[index + 1 : index + 5]
        ):
            return index
    return None


def quoted_reply_strip(text: str) -> str:
    """The new part of a reply: quoted history and its attribution line cut off.

    Returns the whole text when nothing is left after cutting (a forward, or a
    message that is all quote), so nothing the customer wrote disappears.
    """
    lines = text.splitlines()
    start = _quote_start(lines)
    if start is not None:
        lines = lines[:start]
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith(">")):
        lines.pop()
    trimmed = "\n".join(lines).strip()
    return trimmed or text.strip()
