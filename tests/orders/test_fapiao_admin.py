"""Staff's fapiao queue: filters and search, issuing with a checked PDF or a number, the email, rights."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orders.exceptions import FapiaoNotReady
from orders.models import FapiaoRequest, OrderEvent, OutboundEmail
from orders.services import fapiao_issue
from orders.tasks import send_order_emails
from tests.factories import FapiaoRequestFactory, OrderFactory, UserFactory
from tests.helpers import run_together, staff_login
from tests.orders.admin_helpers import staff_with

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TENCENT = "91440300708461136T"


def _change_url(fapiao: FapiaoRequest) -> str:
    return reverse("admin:orders_fapiaorequest_change", args=[fapiao.pk])


def _manager(client):
    user = staff_with("view_fapiaorequest", "change_fapiaorequest", "view_order")
    staff_login(client, user)
    return user


def test_the_queue_filters_requested_and_finds_by_order_title_and_tax_number(client):
    _manager(client)
    wanted = FapiaoRequestFactory(kind="company", title="深圳市腾讯计算机系统有限公司", tax_number=TENCENT)
    FapiaoRequestFactory(title="Ann Lee", status="issued", number="1", issued_at=wanted.requested_at)
    queue = reverse("admin:orders_fapiaorequest_changelist")

    requested = client.get(queue, {"status__exact": "requested"})
    by_number = client.get(queue, {"q": wanted.order.number.lower()})
    by_title = client.get(queue, {"q": "腾讯"})
    by_tax_number = client.get(queue, {"q": TENCENT.lower()})

    for response in (requested, by_number, by_title, by_tax_number):
        assert [row.pk for row in response.context["cl"].result_list] == [wanted.pk]


def test_a_manager_uploads_the_pdf_and_the_customer_is_emailed_in_their_language(client, settings):
    settings.SITE_URL = "https://shop.example"
    manager = _manager(client)
    order = OrderFactory(language="zh-hans", email="ann@example.com")
    fapiao = FapiaoRequestFactory(order=order, email="Ann@Example.com")

    response = client.post(
        _change_url(fapiao), {"number": "2444 2000 0000 1234 5678", "pdf": SimpleUploadedFile("f.pdf", PDF)}
    )

    fapiao.refresh_from_db()
    assert response.status_code == 302
    assert (fapiao.status, fapiao.number, fapiao.issued_by) == ("issued", "24442000000012345678", manager)
    assert fapiao.pdf.name.startswith("fapiao/")
    assert fapiao.pdf.read() == PDF
    assert fapiao.order.events.get().kind == OrderEvent.Kind.FAPIAO_ISSUED
    email = OutboundEmail.objects.get(kind=OutboundEmail.Kind.FAPIAO_ISSUED)
    assert (email.to_email, email.language) == ("Ann@Example.com", "zh-hans")
    send_order_emails.call(order_id=fapiao.order_id, email_ids=[email.pk])
    [message] = mail.outbox
    assert message.subject == f"您的订单 {fapiao.order.number} 的发票"
    download = reverse("orders:fapiao_download", args=[fapiao.order.number])
    assert f"https://shop.example{download}?token={fapiao.order.access_token}" in message.body
    assert "24442000000012345678" in message.body


def test_a_fapiao_emailed_to_someone_else_comes_attached_without_the_orders_link(client, settings):
    settings.SITE_URL = "https://shop.example"
    _manager(client)
    fapiao = FapiaoRequestFactory(order=OrderFactory(email="ann@example.com"), email="accounts@example.com")

    client.post(
        _change_url(fapiao), {"number": "24442000000012345678", "pdf": SimpleUploadedFile("f.pdf", PDF)}
    )

    email = OutboundEmail.objects.get(kind=OutboundEmail.Kind.FAPIAO_ISSUED)
    send_order_emails.call(order_id=fapiao.order_id, email_ids=[email.pk])
    [message] = mail.outbox
    assert message.to == ["accounts@example.com"]
    assert message.attachments == [(f"fapiao-{fapiao.order.number}.pdf", PDF, "application/pdf")]
    assert "The fapiao is attached to this email (PDF)." in message.body
    html = message.alternatives[0].content
    for text in (message.body, html):
        assert fapiao.order.access_token not in text
        assert f"/orders/{fapiao.order.number}/" not in text


def test_marking_issued_with_a_number_only_is_enough(client):
    _manager(client)
    fapiao = FapiaoRequestFactory()

    client.post(_change_url(fapiao), {"number": "24442000000012345678"})

    fapiao.refresh_from_db()
    assert (fapiao.status, fapiao.number, fapiao.pdf.name) == ("issued", "24442000000012345678", "")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("f.pdf", b"<html><script>alert(1)</script>", "f.pdf is not a PDF file."),
        ("f.html", PDF, "f.html is not a PDF file."),
    ],
)
def test_a_file_that_is_not_a_pdf_is_refused_with_a_400(client, name, content, message):
    _manager(client)
    fapiao = FapiaoRequestFactory()

    response = client.post(_change_url(fapiao), {"pdf": SimpleUploadedFile(name, content)})

    fapiao.refresh_from_db()
    assert response.status_code == 400
    assert response.context["issue_form"].errors["pdf"] == [message]
    assert fapiao.status == "requested"


def test_a_pdf_over_the_size_limit_is_refused(client, settings):
    settings.FAPIAO_PDF_MAX_BYTES = 20
    _manager(client)
    fapiao = FapiaoRequestFactory()

    response = client.post(_change_url(fapiao), {"pdf": SimpleUploadedFile("f.pdf", PDF)})

    assert response.status_code == 400
    assert response.context["issue_form"].errors["pdf"][0].startswith("f.pdf is too large")


def test_neither_number_nor_pdf_is_refused(client):
    _manager(client)
    fapiao = FapiaoRequestFactory()

    response = client.post(_change_url(fapiao), {"number": " "})

    assert response.status_code == 400
    assert response.context["issue_form"].non_field_errors() == ["Give the fapiao number or upload its PDF."]


def test_support_agents_read_the_queue_but_cannot_issue(client):
    agent = UserFactory(is_staff=True)
    agent.groups.add(Group.objects.get(name="Support agents"))
    staff_login(client, agent)
    fapiao = FapiaoRequestFactory()

    page = client.get(_change_url(fapiao))
    post = client.post(_change_url(fapiao), {"number": "1"})

    fapiao.refresh_from_db()
    assert page.status_code == 200
    assert "issue_form" not in page.context
    assert post.status_code == 403
    assert fapiao.status == "requested"


def test_order_managers_may_issue():
    managers = Group.objects.get(name="Order managers")

    codenames = set(
        managers.permissions.filter(codename__endswith="fapiaorequest").values_list("codename", flat=True)
    )

    assert codenames == {"view_fapiaorequest", "change_fapiaorequest"}


def test_staff_download_the_issued_pdf_as_a_sandboxed_download(client):
    _manager(client)
    fapiao = FapiaoRequestFactory()
    fapiao_issue(fapiao=fapiao, number="", pdf=SimpleUploadedFile("f.pdf", PDF), actor=None)

    response = client.get(reverse("admin:orders_fapiaorequest_pdf", args=[fapiao.pk]))

    assert b"".join(response.streaming_content) == PDF
    assert "sandbox" in response["Content-Security-Policy"]


def test_issuing_twice_is_refused_and_changes_nothing():
    fapiao = FapiaoRequestFactory()
    fapiao_issue(fapiao=fapiao, number="1", pdf=None, actor=None)

    with pytest.raises(FapiaoNotReady):
        fapiao_issue(fapiao=fapiao, number="2", pdf=None, actor=None)

    fapiao.refresh_from_db()
    assert fapiao.number == "1"
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.FAPIAO_ISSUED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_staff_issuing_at_once_issue_it_once_and_email_once():
    fapiao = FapiaoRequestFactory()
    outcomes = []

    def issue(number: str) -> None:
        try:
            fapiao_issue(fapiao=fapiao, number=number, pdf=None, actor=None)
            outcomes.append("issued")
        except FapiaoNotReady:
            outcomes.append("refused")

    run_together(lambda: issue("1"), lambda: issue("2"))

    assert sorted(outcomes) == ["issued", "refused"]
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.FAPIAO_ISSUED).count() == 1
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.FAPIAO_ISSUED).count() == 1
