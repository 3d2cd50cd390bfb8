"""Account-security and privacy pages in Simplified Chinese (the project catalogue)."""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.emails import AccountEmail, account_email_build, two_factor_setup_url
from accounts.models import TwoFactorSetupLink
from accounts.two_factor import two_factor_setup_link_issue
from tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def test_the_lockout_page_is_in_chinese(client):
    UserFactory(email="ann@example.com")

    for _ in range(5):
        response = client.post(
            reverse("account:login"),
            {"username": "ann@example.com", "password": "wrong-guess"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )

    page = response.content.decode()
    assert response.status_code == 429
    assert "登录已暂停" in page
    assert "暂停该账户登录 15 分钟" in page


def test_the_network_and_address_lockout_pages_are_in_chinese(client):
    network = None
    for number in range(20):
        network = client.post(
            reverse("account:login"),
            {"username": f"victim{number}@example.com", "password": "wrong-guess"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    address = None
    for number in range(10):
        address = client.post(
            reverse("account:login"),
            {"username": "ann@example.com", "password": "wrong-guess"},
            REMOTE_ADDR=f"198.51.100.{number + 1}",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )

    assert network.status_code == 429
    assert "暂停从该网络登录 15 分钟" in network.content.decode()
    assert address.status_code == 429
    assert "此前登录过该账户的浏览器不受影响" in address.content.decode()
    assert "请在此浏览器中打开重置链接并设置新密码" in address.content.decode()


def test_the_two_factor_pages_are_in_chinese(client):
    staff = StaffUserFactory()
    link = two_factor_setup_link_issue(user=staff, issued_by=None, origin=TwoFactorSetupLink.Origin.COMMAND)
    client.force_login(staff)
    path = urlsplit(two_factor_setup_url(link=link)).path

    needed = client.get(reverse("account:two_factor"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    client.get(path)
    setup = client.get(reverse("account:two_factor"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    other = StaffUserFactory()
    client.force_login(other)
    refused = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "尚未设置双重验证登录" in needed
    assert "管理员必须向您发送设置链接" in needed
    assert "设置双重验证登录" in setup
    assert "应用中显示的六位数验证码" in setup
    assert "此设置链接是发给另一位员工的" in refused


def test_the_two_factor_setup_email_is_in_chinese():
    staff = StaffUserFactory(full_name="Mei Lin")
    link = two_factor_setup_link_issue(user=staff, issued_by=None, origin=TwoFactorSetupLink.Origin.COMMAND)

    message = account_email_build(
        kind=AccountEmail.TWO_FACTOR_SETUP, user=staff, language="zh-hans", setup_link=link
    )

    assert "设置双重验证登录" in message.subject
    assert "72 小时内有效" in message.body
    assert not PLACEHOLDER.search(message.body)


def test_the_code_page_is_in_chinese(client):
    staff = StaffUserFactory()
    TOTPDevice.objects.create(user=staff, confirmed=True)
    client.force_login(staff)

    page = client.post(
        reverse("account:two_factor_verify"), {"code": "000000x"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert "输入登录验证码" in page
    assert "八个字符的备用码" in page


def test_the_privacy_pages_are_in_chinese(client):
    client.force_login(UserFactory(email_verified_at=timezone.now()))

    privacy = client.get(reverse("account:privacy"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    delete = client.post(
        reverse("account:account_delete"), {"current_password": "x"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert "下载我的数据" in privacy
    assert "确认您要删除账户" in delete


def test_the_sign_up_answer_is_in_chinese(client):
    data = {"email": "ann@example.com", "full_name": "Ann", "password1": "plum-orchard-42"}

    page = client.post(
        reverse("account:signup"),
        data | {"password2": data["password1"]},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        follow=True,
    ).content.decode()

    assert "我们已向 ann@example.com 发送了一封邮件。" in page
    assert "邮件会告诉您如何登录或重置密码" in page


@pytest.mark.parametrize(
    ("kind", "subject", "phrase"),
    [
        (AccountEmail.SIGNUP_ADDRESS_TAKEN, "您在 Maple & Pine 已有账户", "因此我们没有创建新账户"),
        (
            AccountEmail.EMAIL_CHANGE_ADDRESS_TAKEN,
            "另一个 Maple & Pine 账户请求使用您的电子邮箱地址",
            "因此我们没有发送确认链接",
        ),
    ],
)
def test_the_address_taken_notices_are_in_chinese(kind, subject, phrase):
    owner = UserFactory(email="bob@example.com")

    message = account_email_build(kind=kind, user=owner, language="zh-hans", new_email=owner.email)

    assert message.subject == subject
    assert phrase in message.body
    assert phrase in message.alternatives[0][0]
