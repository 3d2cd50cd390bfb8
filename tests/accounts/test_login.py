import pytest
from django.urls import reverse

from cart.selectors import cart_quantities_get
from tests.factories import UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # UserFactory's password


def test_sign_in_accepts_the_email_in_any_letter_case(client):
    user = UserFactory(email="ann@example.com")

    response = client.post(reverse("account:login"), {"username": "ANN@Example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("account:home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_in_with_a_wrong_password_says_so(client):
    UserFactory(email="ann@example.com")

    response = client.post(reverse("account:login"), {"username": "ann@example.com", "password": "wrong"})

    assert response.status_code == 200
    assert "The email address or password is not correct." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_page_renders_in_chinese(client):
    response = client.get(reverse("account:login"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


def test_sign_in_goes_on_to_a_safe_next_url_only(client):
    UserFactory(email="ann@example.com")
    credentials = {"username": "ann@example.com", "password": PASSWORD}

    safe = client.post(reverse("account:login") + "?next=/cart/", credentials)
    client.post(reverse("account:logout"))
    unsafe = client.post(reverse("account:login") + "?next=//evil.example.net/", credentials)

    assert safe["Location"] == "/cart/"
    assert unsafe["Location"] == reverse("account:home")


def test_sign_out_works_by_post_only(client):
    client.force_login(UserFactory())

    refused = client.get(reverse("account:logout"))
    still_signed_in = "_auth_user_id" in client.session
    response = client.post(reverse("account:logout"))

    assert refused.status_code == 405
    assert still_signed_in
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:home")
    assert "_auth_user_id" not in client.session


def test_the_cart_survives_sign_in(client):
    UserFactory(email="ann@example.com")
    variant = VariantFactory(stock=5)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 3})

    client.post(reverse("account:login"), {"username": "ann@example.com", "password": PASSWORD})

    assert "_auth_user_id" in client.session
    assert cart_quantities_get(session=client.session) == {variant.pk: 3}


def test_account_pages_send_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("account:home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("account:login") + "?next=/account/"


def test_header_shows_sign_in_or_account_links(client):
    anonymous = client.get(reverse("account:login")).content.decode()
    client.force_login(UserFactory())
    signed_in = client.get(reverse("account:password_change")).content.decode()

    assert f'href="{reverse("account:login")}"' in anonymous
    assert f'action="{reverse("account:logout")}"' not in anonymous
    assert f'href="{reverse("account:home")}"' in signed_in
    assert f'action="{reverse("account:logout")}"' in signed_in
