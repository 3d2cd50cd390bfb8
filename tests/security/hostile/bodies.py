"""Hostile request bodies: files with lying names and types, hand-built multipart bodies that can
carry any string, and junk bodies that no parser should choke on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from hypothesis import strategies as st

from tests.security.hostile.values import encode_text, hostile_text


@dataclass(frozen=True)
class HostileFile:
    name: str
    content: bytes
    content_type: str


HOSTILE_FILES = st.builds(
    HostileFile,
    name=st.one_of(
        st.sampled_from(
            [
                "photo.jpg",
                "invoice.pdf",
                "page.html",
                "image.svg",
                "shell.php",
                "../../../evil.txt",
                "..\\..\\evil.txt",
                "a\x00.jpg",
                "x" * 400 + ".png",
                ".htaccess",
                "",
                "发票.pdf",
                "\u202egnp.exe",
            ]
        ),
        hostile_text,
    ),
    content=st.sampled_from(
        [
            b"",
            b"<html><script>xss_probe()</script></html>",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="xss_probe()"/>',
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
            b"GIF89a<script>xss_probe()</script>",
            b"%PDF-1.4\n%%EOF",
            b"\xff\xd8\xff" + b"\x00" * 32,
            b"PK\x03\x04" + b"\x00" * 64,
            b"<?php system($_GET['c']); ?>",
            bytes(range(256)),
        ]
    ),
    content_type=st.sampled_from(
        ["image/png", "image/jpeg", "text/html", "image/svg+xml", "application/octet-stream", "", "x/y\r\nz"]
    ),
)


def multipart_body(fields: list[tuple[str, str | HostileFile]], boundary: str) -> bytes:
    """A multipart/form-data body, built by hand so any string (even unencodable) can travel."""
    lines: list[bytes] = []
    for name, value in fields:
        lines.append(b"--" + boundary.encode())
        disposition = (
            b'Content-Disposition: form-data; name="' + encode_text(name).replace(b'"', b"%22") + b'"'
        )
        if isinstance(value, HostileFile):
            filename = encode_text(value.name).replace(b'"', b"%22").replace(b"\r", b"").replace(b"\n", b"")
            lines.append(disposition + b'; filename="' + filename + b'"')
            lines.append(b"Content-Type: " + encode_text(value.content_type or "application/octet-stream"))
            lines.append(b"")
            lines.append(value.content)
        else:
            lines.append(disposition)
            lines.append(b"")
            lines.append(encode_text(value))
    lines.append(b"--" + boundary.encode() + b"--")
    lines.append(b"")
    return b"\r\n".join(lines)


JUNK_BODIES = st.sampled_from(
    [
        ("multipart/form-data", b"--x\r\nnot really\r\n"),
        ("multipart/form-data; boundary=", b"junk"),
        ("multipart/form-data; boundary=abc", b"--abc\r\nContent-Disposition: form-data\r\n\r\nno name\r\n"),
        ("multipart/form-data; boundary=abc", b"--abc\r\n" * 2000),
        ("application/x-www-form-urlencoded", b"%%%&=&=%zz"),
        ("application/x-www-form-urlencoded", b"a=" + b"\xff\xfe" * 100),
        ("application/json", b'{"variant": "\\ud800", "quantity": 1e999}'),
        ("application/json", b"{not json"),
        ("text/plain", b"\x00\x01\x02"),
        (
            "application/xml",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        ),
        ("", b""),
    ]
)


def new_boundary() -> str:
    return "hostile" + uuid.uuid4().hex
