import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import escape

from tests.factories import StaffUserFactory, UserFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db

User = get_user_model()
ADD_URL = reverse("admin:shop_user_add")
CHANGELIST_URL = reverse("admin:shop_user_changelist")
PASSWORD = "plum-orchard-lantern-42"


@pytest.fixture
def staff_client(client):
    staff_login(client, StaffUserFactory(email="boss@example.com", full_name="Shop Owner"))
    return client


def _add_data(**fields) -> dict:
    return {
        "email": "new.person@Example.COM",
        "full_name": "New Person",
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
    } | fields


def test_staff_adds_a_user_by_email(staff_client):
    response = staff_client.post(ADD_URL, _add_data())

    assert response.status_code == 302
    user = User.objects.get(full_name="New Person")
    assert user.email == "new.person@example.com"
    assert user.check_password(PASSWORD)
    assert (user.is_staff, user.is_active) == (False, True)


def test_an_email_taken_in_another_case_is_refused(staff_client):
    UserFactory(email="taken@example.com")

    response = staff_client.post(ADD_URL, _add_data(email="TAKEN@example.com"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "email": ["A user with this email address already exists."]
    }
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


def test_the_add_form_asks_for_an_email_not_a_username(staff_client):
    response = staff_client.get(ADD_URL)

    form = response.context["adminform"].form
    assert response.status_code == 200
    assert list(form.fields) == ["email", "full_name", "usable_password", "password1", "password2"]


def test_staff_changes_a_users_name_and_staff_flag(staff_client):
    user = UserFactory(email="ann@example.com", full_name="Ann")
    data = {
        "email": "ann@example.com",
        "full_name": "Ann Lee",
        "is_active": "on",
        "is_staff": "on",
    }

    response = staff_client.post(reverse("admin:shop_user_change", args=[user.pk]), data)

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.is_staff, user.check_password("correct-horse-battery")) == (
        "Ann Lee",
        True,
        True,
    )


def test_the_user_list_searches_by_email_and_name(staff_client, django_assert_max_num_queries):
    ann = UserFactory(email="ann@example.com", full_name="Ann Lee")
    UserFactory(email="bob@example.com", full_name="Bob Chen")

    # The two-factor device of the session is one of them.
    with django_assert_max_num_queries(7):
        by_email = staff_client.get(CHANGELIST_URL, {"q": "ann@"})
    by_name = staff_client.get(CHANGELIST_URL, {"q": "Lee"})

    assert list(by_email.context["cl"].result_list) == [ann]
    assert list(by_name.context["cl"].result_list) == [ann]


def test_the_admin_is_titled_with_the_shop_name(staff_client):
    response = staff_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert escape(f"{settings.SHOP_NAME} admin") in response.content.decode()
    assert "Shop administration" in response.content.decode()
