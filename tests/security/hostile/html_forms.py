"""The forms of a page, parsed from its HTML: method, action, and each field with its values."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select", "textarea"
    values: list[str] = field(default_factory=list)  # current value / the options offered


@dataclass
class PageForm:
    page: str
    method: str
    action: str
    multipart: bool
    fields: list[FormField]

    @property
    def key(self) -> tuple:
        return (self.method, self.action, tuple(sorted({f.name for f in self.fields})))

    def label(self) -> str:
        names = ",".join(sorted({f.name for f in self.fields if f.name != "csrfmiddlewaretoken"}))
        return f"{self.method} {self.action} [{names[:80]}]"


class _FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            action = attr.get("action") or self.page
            parts = urlsplit(action)
            if parts.netloc:
                return
            if not parts.path.startswith("/"):
                base = urlsplit(self.page).path
                action = base.rsplit("/", 1)[0] + "/" + action
            self._form = PageForm(
                page=self.page,
                method=(attr.get("method") or "get").upper(),
                action=action,
                multipart="multipart" in attr.get("enctype", ""),
                fields=[],
            )
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            self._select.values.append(attr.get("value", ""))
        elif self._form is None or not attr.get("name"):
            return
        elif tag in ("input", "button"):
            kind = attr.get("type", "text" if tag == "input" else "submit").lower()
            self._form.fields.append(FormField(attr["name"], kind, [attr.get("value", "")]))
        elif tag == "select":
            self._select = FormField(attr["name"], "select", [])
            self._form.fields.append(self._select)
        elif tag == "textarea":
            self._textarea = FormField(attr["name"], "textarea", [""])
            self._form.fields.append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.values[0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(page: str, html: str) -> list[PageForm]:
    parser = _FormParser(page)
    parser.feed(html)
    return parser.forms
