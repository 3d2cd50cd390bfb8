"""The fapiao's rules: the company tax number's check character, and what the database refuses."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.credit_codes import credit_code_check_character, credit_code_normalise, credit_code_validate
from orders.models import FapiaoRequest
from tests.factories import FapiaoRequestFactory

pytestmark = pytest.mark.django_db

# Published on the National Enterprise Credit Information Publicity System and the companies' own sites.
PUBLISHED_CODES = [
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "914403001922038216",  # 华为技术有限公司
    "91330100799655058B",  # 阿里巴巴(中国)有限公司
    "91110108551385082Q",  # 北京小米科技有限责任公司
]


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_published_credit_codes_are_valid(code):
    credit_code_validate(code)

    assert credit_code_check_character(code[:17]) == code[17]


def test_a_wrong_check_character_is_refused():
    with pytest.raises(ValidationError) as refused:
        credit_code_validate("91440300708461136U")

    assert refused.value.code == "credit_code_check"


def test_lower_case_spaces_and_full_width_characters_are_normalised():
    typed = "\uff19\uff11\uff14\uff14\uff10\uff13\uff10\uff10 708461136t"  # the first eight full-width

    assert credit_code_normalise(typed) == "91440300708461136T"
    credit_code_validate(typed)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91440300708461136", "credit_code_length"),
        ("91440300708461136TT", "credit_code_length"),
        ("", "credit_code_length"),
        ("9144030070846113IT", "credit_code_characters"),
        ("9144030070846113OT", "credit_code_characters"),
        ("91440300708461136Z", "credit_code_characters"),
    ],
)
def test_a_code_of_the_wrong_length_or_alphabet_is_refused(code, error):
    with pytest.raises(ValidationError) as refused:
        credit_code_validate(code)

    assert refused.value.code == error


def test_the_database_refuses_a_company_fapiao_without_a_tax_number():
    with pytest.raises(IntegrityError), transaction.atomic():
        FapiaoRequestFactory(kind=FapiaoRequest.Kind.COMPANY, tax_number="")


def test_the_database_refuses_a_personal_fapiao_with_a_tax_number():
    with pytest.raises(IntegrityError), transaction.atomic():
        FapiaoRequestFactory(kind=FapiaoRequest.Kind.PERSONAL, tax_number=PUBLISHED_CODES[0])


def test_the_database_refuses_an_issued_fapiao_without_number_or_pdf():
    with pytest.raises(IntegrityError), transaction.atomic():
        FapiaoRequestFactory(status=FapiaoRequest.Status.ISSUED, issued_at=timezone.now())


def test_an_order_has_at_most_one_fapiao_request():
    first = FapiaoRequestFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        FapiaoRequestFactory(order=first.order)


def test_a_company_fapiao_with_a_valid_code_and_an_issued_one_with_a_number_are_stored():
    company = FapiaoRequestFactory(
        kind=FapiaoRequest.Kind.COMPANY, title="华为技术有限公司", tax_number=PUBLISHED_CODES[1]
    )
    issued = FapiaoRequestFactory(
        status=FapiaoRequest.Status.ISSUED, issued_at=timezone.now(), number="24442000000012345678"
    )

    assert FapiaoRequest.objects.filter(pk__in=[company.pk, issued.pk]).count() == 2
