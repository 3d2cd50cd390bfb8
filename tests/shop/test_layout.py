from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders

from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


class PageAudit(HTMLParser):
    """Collects what the accessibility and CSP checks need from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.images_without_alt: list[str] = []
        self.fields: list[str] = []
        self.labelled: set[str] = set()
        self.inline_styles = 0
        self.scripts: list[str] = []
        self.event_handlers: list[str] = []
        self._in_fieldset = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "style" in attributes or tag == "style":
            self.inline_styles += 1
        self.event_handlers += [name for name in attributes if name.startswith("on")]
        if tag == "img" and not attributes.get("alt"):
            self.images_without_alt.append(attributes.get("src") or "")
        if tag == "script" and not attributes.get("src"):  # inline: a data block at most
            self.scripts.append(attributes.get("type") or "")
        if tag == "label" and attributes.get("for"):
            self.labelled.add(attributes["for"])
        if tag in {"select", "textarea"} or (
            tag == "input" and attributes.get("type") not in {"hidden", "submit", "button"}
        ):
            self.fields.append(attributes.get("id") or f"<{tag} name={attributes.get('name')} without id>")


def audit(response) -> PageAudit:
    parser = PageAudit()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def catalogue():
    tea = CategoryFactory(name="Tea", slug="tea")
    product = ProductFactory(name="Sencha", slug="sencha", category=tea)
    VariantFactory(product=product, options={"Size": "S"}, price=Decimal("10.00"))
    VariantFactory(product=product, options={"Size": "L"}, price=Decimal("18.00"))
    return tea


PAGES = ["/", "/products/", "/products/?q=tea", "/category/tea/", "/products/sencha/"]


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize("url", PAGES)
def test_every_field_has_a_label_and_every_image_alt_text(client, url):
    page = audit(client.get(url))

    assert page.images_without_alt == []
    assert [field for field in page.fields if field not in page.labelled] == []


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize("url", PAGES)
def test_pages_have_no_inline_styles_or_scripts(client, url):
    page = audit(client.get(url))

    assert page.inline_styles == 0
    assert page.event_handlers == []
    # Data blocks only (structured data, json_script): the browser never runs them.
    assert set(page.scripts) <= {"application/ld+json", "application/json"}


@pytest.mark.usefixtures("catalogue")
def test_header_has_brand_search_category_navigation_header_links_and_language_switch(client):
    html = client.get("/products/").content.decode()

    header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    assert '<a class="brand" href="/">Maple &amp; Pine</a>' in header
    assert '<label class="visually-hidden" for="search-q">Search products</label>' in header
    assert '<a href="/category/tea/">Tea</a>' in header
    assert 'href="/cart/"' in header
    assert '<form class="language-switch" action="/i18n/setlang/" method="post">' in header
    assert '<input name="next" type="hidden" value="/products/">' in header
    assert 'name="language" value="en" lang="en" aria-pressed="true">English</button>' in header
    assert 'name="language" value="zh-hans" lang="zh-Hans" aria-pressed="false">简体中文</button>' in header


def test_page_starts_with_a_skip_link_to_the_main_content(client):
    html = client.get("/").content.decode()

    assert '<a class="skip-link" href="#main">Skip to content</a>' in html
    assert '<main id="main"' in html


def test_category_navigation_marks_the_current_top_level_category(client):
    tea = CategoryFactory(name="Tea", slug="tea")
    CategoryFactory(name="Green", slug="green", parent=tea)

    html = client.get("/category/green/").content.decode()

    assert '<a href="/category/tea/" aria-current="page">Tea</a>' in html


def test_language_switch_works_without_javascript(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/products/"})

    page = client.get("/products/")

    assert response.status_code == 302
    assert response["Location"] == "/products/"
    assert '<html lang="zh-hans">' in page.content.decode()
    assert 'value="zh-hans" lang="zh-Hans" aria-pressed="true"' in page.content.decode()


def test_browser_language_chooses_simplified_chinese(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert '<html lang="zh-hans">' in response.content.decode()


def test_stylesheet_has_cjk_font_fallbacks_and_visible_focus(client):
    with open(finders.find("css/shop.css"), encoding="utf-8") as stylesheet:
        css = stylesheet.read()

    assert '"PingFang SC", "Hiragino Sans GB",\n    "Microsoft YaHei", "Noto Sans CJK SC", sans-serif' in css
    assert ":focus-visible" in css
