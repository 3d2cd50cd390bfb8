"""Text in a declared, wrong or missing charset: bodies, RFC 2047 encoded words, raw 8-bit headers.

Real clients get charsets wrong, so nothing here raises on bad input: every
decoder falls back and, as a last resort, replaces what cannot be read.
"""

import base64
import binascii
import re

# Declared charsets that Python decodes wrongly or not at all. GB2312 mail from
# Chinese clients routinely holds GBK-only characters (Python's gb2312 codec
# fails on them), so every GB charset is read as GB18030, their superset.
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}
_UNDECLARED = {"", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "default", "8bit"}

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def text_decode(data: bytes, charset: str | None) -> str:
    """Bytes in a declared (and possibly wrong) charset to text, never raising.

    Tries the declared charset (with the aliases above), then UTF-8, then
    GB18030; only then replaces what cannot be read.
    """
    name = (charset or "").strip().strip('"').lower()
    codec = CHARSET_ALIASES.get(name, name)
    candidates = [] if name in _UNDECLARED else [codec]
    candidates += ["utf-8", "gb18030"]
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return data.decode(codec, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def eight_bit_fixed(value: str) -> str:
    """A header value with raw 8-bit bytes (kept by the parser as surrogate escapes) decoded."""
    # Some clients put raw UTF-8 or GBK bytes into headers; the parser keeps
    # them as surrogate escapes, which we turn back into bytes and decode.
    if any("\udc80" <= char <= "\udcff" for char in value):
        return text_decode(value.encode("ascii", "surrogateescape"), None)
    return value


def _encoded_word_bytes(encoding: str, text: str) -> bytes:
    if encoding.lower() == "b":
        try:
            return base64.b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            return text.encode("ascii", "replace")
    return binascii.a2b_qp(text.encode("ascii", "replace"), header=True)


def header_decode(value: str | None) -> str:
    """A header's text: RFC 2047 encoded words and raw 8-bit bytes decoded, whitespace unfolded.

    Adjacent encoded words in one charset are joined as bytes before decoding,
    because clients split multibyte characters across words.
    """
    if not value:
        return ""
    value = re.sub(r"\r?\n(?=[ \t])", "", eight_bit_fixed(str(value)))
    pieces: list[tuple[str, str | bytes, str]] = []  # (kind, content, charset)
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        # Whitespace between two encoded words is not part of the text (RFC 2047, 6.2).
        if between and not (between.isspace() and pieces and pieces[-1][0] == "word"):
            pieces.append(("text", between, ""))
        charset = match.group(1).split("*", 1)[0].lower()
        data = _encoded_word_bytes(match.group(2), match.group(3))
        if pieces and pieces[-1][0] == "word" and pieces[-1][2] == charset:
            pieces[-1] = ("word", pieces[-1][1] + data, charset)
        else:
            pieces.append(("word", data, charset))
        position = match.end()
    pieces.append(("text", value[position:], ""))
    text = "".join(
        text_decode(content, charset) if kind == "word" else content for kind, content, charset in pieces
    )
    return " ".join(text.split())
