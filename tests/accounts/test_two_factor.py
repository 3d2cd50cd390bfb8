"""Two-factor sign-in for everyone who can open the admin (django-otp: TOTP plus backup codes).

The admin gate, setting up an authenticator, codes and backup codes, and removing the authenticator.
How long a verification lasts is tested in test_two_factor_reverification.py.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import two_factor_backup_codes_regenerate
from accounts.views.two_factor import PENDING_KEY_SESSION_KEY
from tests.accounts.helpers import PASSWORD, enrolled_staff, setup_link, setup_link_path, totp_code
from tests.factories import StaffUserFactory, UserFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db


def _link_opened(client, staff) -> None:
    # Setting up an authenticator needs a set-up link opened while signed in.
    link = setup_link(staff)
    client.force_login(staff)
    client.get(setup_link_path(link))


def _unthrottle(device) -> None:
    # django-otp makes a second try wait 1, 2, 4... seconds after wrong codes.
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
    )


def test_staff_without_an_authenticator_are_sent_from_the_admin_to_set_one_up(client):
    client.force_login(StaffUserFactory())

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"] == reverse("account:two_factor") + "?next=%2Fadmin%2F"


def test_staff_with_an_authenticator_are_asked_for_a_code_before_any_admin_page(client):
    staff, _device = enrolled_staff()
    client.force_login(staff)

    index = client.get(reverse("admin:index"))
    change_list = client.get(reverse("admin:catalog_product_changelist") + "?q=tea")
    posted = client.post(reverse("admin:catalog_category_add"), {"name": "Sneaky"})

    verify = reverse("account:two_factor_verify")
    assert index["Location"] == verify + "?next=%2Fadmin%2F"
    assert change_list["Location"] == verify + "?next=%2Fadmin%2Fcatalog%2Fproduct%2F%3Fq%3Dtea"
    assert posted.status_code == 302
    assert posted["Location"].startswith(verify)


def test_a_verified_staff_session_opens_the_admin(client):
    staff_login(client, StaffUserFactory())

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_admin_login_and_logout_pages_need_no_code(client):
    staff, _device = enrolled_staff()
    client.force_login(staff)

    logout = client.post(reverse("admin:logout"))

    assert logout.status_code == 302
    assert not logout["Location"].startswith(reverse("account:two_factor_verify"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:login")).status_code == 200


def test_customers_do_not_get_the_two_factor_pages(client):
    client.force_login(UserFactory())

    setup = client.get(reverse("account:two_factor"))
    verify = client.get(reverse("account:two_factor_verify"))
    admin = client.get(reverse("admin:index"))

    assert setup.status_code == verify.status_code == 404
    assert admin.status_code == 302
    assert admin["Location"].startswith(reverse("admin:login"))


def test_the_setup_page_shows_a_server_made_svg_qr_code_and_the_secret(client):
    staff = StaffUserFactory(email="mei@shop.test")
    _link_opened(client, staff)

    response = client.get(reverse("account:two_factor"))

    page = response.content.decode()
    key = client.session[PENDING_KEY_SESSION_KEY]
    secret = TOTPDevice(user=staff, key=key).config_url.split("secret=")[1].split("&")[0]
    assert response.status_code == 200
    assert 'src="data:image/svg+xml' in page
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page
    assert client.get(reverse("account:two_factor")).status_code == 200
    assert client.session[PENDING_KEY_SESSION_KEY] == key  # the same QR code on reload
    assert not TOTPDevice.objects.exists()


def test_enrolment_with_a_valid_code_turns_two_factor_on_and_shows_ten_backup_codes_once(client):
    staff = StaffUserFactory()
    _link_opened(client, staff)
    client.get(reverse("account:two_factor") + "?next=/admin/")
    key = client.session[PENDING_KEY_SESSION_KEY]

    response = client.post(reverse("account:two_factor"), {"code": totp_code(key), "next": "/admin/"})

    device = TOTPDevice.objects.get(user=staff)
    codes = list(StaticToken.objects.filter(device__user=staff).values_list("token", flat=True))
    page = response.content.decode()
    assert response.status_code == 200
    assert (device.key, device.confirmed) == (key, True)
    assert len(codes) == 10
    assert all(f"<code>{code}</code>" in page for code in codes)
    assert 'href="/admin/"' in page
    assert PENDING_KEY_SESSION_KEY not in client.session
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("admin:index")).status_code == 200
    status_page = client.get(reverse("account:two_factor")).content.decode()
    assert "You have 10 unused backup codes." in status_page
    assert not any(code in status_page for code in codes)


def test_enrolment_with_a_wrong_code_is_refused_and_writes_nothing(client):
    staff = StaffUserFactory()
    _link_opened(client, staff)
    client.get(reverse("account:two_factor"))
    key = client.session[PENDING_KEY_SESSION_KEY]
    wrong = f"{(int(totp_code(key)) + 1) % 1000000:06d}"

    response = client.post(reverse("account:two_factor"), {"code": wrong})
    not_digits = client.post(reverse("account:two_factor"), {"code": "abc"})

    assert response.status_code == 400
    assert "That code is not correct." in response.content.decode()
    assert not_digits.status_code == 400
    assert "Enter the six digits your authenticator app shows." in not_digits.content.decode()
    assert not TOTPDevice.objects.exists()
    assert not StaticDevice.objects.exists()
    assert client.get(reverse("admin:index")).status_code == 302


def test_an_enrolled_account_cannot_set_up_another_authenticator_without_its_code(client):
    staff, device = enrolled_staff()
    client.force_login(staff)
    session = client.session
    session[PENDING_KEY_SESSION_KEY] = "ab" * 20
    session.save()

    page = client.get(reverse("account:two_factor"))
    posted = client.post(reverse("account:two_factor"), {"code": totp_code("ab" * 20)})

    assert page.status_code == posted.status_code == 302
    assert page["Location"].startswith(reverse("account:two_factor_verify"))
    assert list(TOTPDevice.objects.all()) == [device]


def test_the_admin_login_asks_for_the_code_after_the_password(client):
    _staff, device = enrolled_staff(email="boss@example.com")

    signed_in = client.post(
        reverse("admin:login") + "?next=/admin/", {"username": "boss@example.com", "password": PASSWORD}
    )
    blocked = client.get(signed_in["Location"])
    verified = client.post(blocked["Location"], {"code": totp_code(device.key), "next": "/admin/"})
    admin = client.get(verified["Location"])

    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/admin/"
    assert blocked.status_code == 302
    assert blocked["Location"] == reverse("account:two_factor_verify") + "?next=%2Fadmin%2F"
    assert verified.status_code == 302
    assert verified["Location"] == "/admin/"
    assert admin.status_code == 200


def test_a_wrong_code_is_refused_and_the_admin_stays_closed(client):
    staff, device = enrolled_staff()
    client.force_login(staff)
    wrong = f"{(int(totp_code(device.key)) + 500000) % 1000000:06d}"

    response = client.post(reverse("account:two_factor_verify"), {"code": wrong})

    assert response.status_code == 400
    assert "That code is not correct, or it was used already." in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_right_after_a_wrong_code_even_the_right_one_must_wait(client):
    staff, device = enrolled_staff()
    client.force_login(staff)
    wrong = f"{(int(totp_code(device.key)) + 500000) % 1000000:06d}"
    client.post(reverse("account:two_factor_verify"), {"code": wrong})

    waiting = client.post(reverse("account:two_factor_verify"), {"code": totp_code(device.key)})
    _unthrottle(device)
    later = client.post(reverse("account:two_factor_verify"), {"code": totp_code(device.key)})

    assert waiting.status_code == 429
    assert "Too many wrong codes. Wait" in waiting.content.decode()
    assert later.status_code == 302


def test_a_code_from_the_app_works_once(client):
    staff, device = enrolled_staff()
    code = totp_code(device.key)
    client.force_login(staff)
    first = client.post(reverse("account:two_factor_verify"), {"code": code})
    client.post(reverse("account:logout"))
    client.force_login(staff)

    replay = client.post(reverse("account:two_factor_verify"), {"code": code})

    assert first.status_code == 302
    assert replay.status_code == 400


def test_a_backup_code_works_once(client):
    staff, _device = enrolled_staff()
    codes = two_factor_backup_codes_regenerate(user=staff)
    client.force_login(staff)

    first = client.post(reverse("account:two_factor_verify"), {"code": codes[0].upper(), "next": "/admin/"})
    admin = client.get(reverse("admin:index"))
    client.post(reverse("account:logout"))
    client.force_login(staff)
    again = client.post(reverse("account:two_factor_verify"), {"code": codes[0]})

    assert first.status_code == 302
    assert first["Location"] == "/admin/"
    assert admin.status_code == 200
    assert "You signed in with a backup code; 9 are left." in admin.content.decode()
    assert again.status_code == 400
    assert StaticToken.objects.count() == 9


def test_the_code_page_goes_on_to_a_safe_next_url_only(client):
    staff, device = enrolled_staff()
    client.force_login(staff)

    response = client.post(
        reverse("account:two_factor_verify") + "?next=https://evil.example.net/",
        {"code": totp_code(device.key)},
    )

    assert response["Location"] == reverse("admin:index")


def test_new_backup_codes_need_a_verified_session_and_replace_the_old_ones(client):
    staff, _device = enrolled_staff()
    old_codes = two_factor_backup_codes_regenerate(user=staff)
    client.force_login(staff)

    unverified = client.post(reverse("account:two_factor_backup_codes"))
    staff_login(client, staff)
    response = client.post(reverse("account:two_factor_backup_codes"))

    new_codes = set(StaticToken.objects.values_list("token", flat=True))
    assert unverified.status_code == 302
    assert unverified["Location"].startswith(reverse("account:two_factor_verify"))
    assert response.status_code == 200
    assert len(new_codes) == 10
    assert new_codes.isdisjoint(old_codes)


def test_removing_the_authenticator_closes_the_admin_until_a_new_one_is_set_up(client):
    staff = StaffUserFactory()
    staff_login(client, staff)
    two_factor_backup_codes_regenerate(user=staff)

    response = client.post(reverse("account:two_factor_remove"))
    admin = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"] == reverse("account:two_factor")
    assert not TOTPDevice.objects.exists()
    assert not StaticDevice.objects.exists()
    assert admin["Location"].startswith(reverse("account:two_factor"))


def test_an_unverified_session_cannot_remove_the_authenticator(client):
    staff, device = enrolled_staff()
    client.force_login(staff)

    response = client.post(reverse("account:two_factor_remove"))

    assert response.status_code == 302
    assert list(TOTPDevice.objects.all()) == [device]


def test_a_device_of_another_user_in_the_session_does_not_count(client):
    staff, _device = enrolled_staff()
    _other, other_device = enrolled_staff()
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = other_device.persistent_id
    session.save()

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account:two_factor_verify"))


def test_the_admin_never_shows_a_secret_or_backup_codes(client):
    _owner, device = enrolled_staff()
    codes = two_factor_backup_codes_regenerate(user=_owner)
    staff_login(client, StaffUserFactory())

    config = client.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk]))
    missing = client.post(reverse("admin:otp_totp_totpdevice_qrcode", args=[device.pk + 1000]))
    change = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).content.decode()
    backup = client.get(
        reverse("admin:otp_static_staticdevice_change", args=[StaticDevice.objects.get().pk])
    ).content.decode()

    assert config.status_code == missing.status_code == 403
    assert device.key not in change
    assert not any(code in backup for code in codes)
