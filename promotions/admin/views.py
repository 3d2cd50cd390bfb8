"""Custom views of the coupon admin: generating a batch of codes, and downloading codes as CSV.

Every view is wrapped by ``admin_site.admin_view`` (staff only; others get the admin login)
and needs ``promotions.add_coupon``: whoever may make codes may take them out of the shop,
and nobody else. Generating answers with a redirect (a reload makes no second batch) to a
page that starts the batch's download; the batch's row ids wait in the session for it.
"""

from collections.abc import Iterable, Iterator

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from promotions.admin.filters import CampaignFilter
from promotions.admin.forms import CouponGenerateForm
from promotions.models import Coupon
from promotions.services import coupons_generate
from shop.audit import audit_record
from shop.csv_export import csv_lines
from shop.models import AuditEvent

BATCH_SESSION_KEY = "promotions_generated_batch"
CSV_BATCH_SIZE = 1000
CSV_FIELDS = [
    "code",
    "kind",
    "value",
    "max_discount",
    "min_spend",
    "valid_from",
    "valid_until",
    "uses_total",
    "uses_count",
    "uses_per_customer",
    "first_order_only",
    "campaign",
]

GENERATE_FIELDSETS = [
    (_("Codes"), {"fields": ["campaign", "count", "prefix", "length"]}),
    (_("Discount"), {"fields": ["kind", "value", "max_discount", "min_spend"]}),
    (_("When"), {"fields": ["valid_from", "valid_until"]}),
    (_("Limits"), {"fields": ["uses_total", "uses_per_customer", "first_order_only"]}),
    (_("Products"), {"fields": ["categories", "products"]}),
]


def _local(moment) -> str:
    return "" if moment is None else timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _csv_row(coupon: Coupon) -> list[object]:
    return [
        coupon.code,
        coupon.get_kind_display(),
        coupon.value,
        coupon.max_discount,
        coupon.min_spend,
        _local(coupon.valid_from),
        _local(coupon.valid_until),
        coupon.uses_total,
        coupon.uses_count,
        coupon.uses_per_customer,
        gettext("Yes") if coupon.first_order_only else gettext("No"),
        coupon.campaign,
    ]


def _csv_rows(coupons: Iterable[Coupon]) -> Iterator[list[object]]:
    for coupon in coupons:
        yield _csv_row(coupon)


def coupon_csv_response(coupons: QuerySet[Coupon], *, request: HttpRequest) -> StreamingHttpResponse:
    """Stream these coupons' codes and rules as a UTF-8 CSV file (with BOM), in batches.

    The download is recorded in the audit trail: who, from where, how many coupons.
    """
    audit_record(
        action=AuditEvent.Action.EXPORT_DOWNLOADED,
        request=request,
        target="coupons",
        detail={"coupons": coupons.count(), "filters": request.GET.urlencode()[:200]},
    )
    header = [capfirst(Coupon._meta.get_field(name).verbose_name) for name in CSV_FIELDS]
    rows = coupons.order_by("pk").iterator(chunk_size=CSV_BATCH_SIZE)
    response = StreamingHttpResponse(
        csv_lines(header, _csv_rows(rows)), content_type="text/csv; charset=utf-8"
    )
    filename = timezone.localtime().strftime("coupons-%Y%m%d-%H%M.csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """Ids as [first, last] runs: a batch inserted at once is one or a few runs, small in a session."""
    runs: list[list[int]] = []
    for pk in sorted(ids):
        if runs and pk == runs[-1][1] + 1:
            runs[-1][1] = pk
        else:
            runs.append([pk, pk])
    return runs


def _batch_coupons(batch: dict) -> QuerySet[Coupon]:
    match = Q(pk__in=[])
    for first, last in batch["ranges"]:
        match |= Q(pk__range=(first, last))
    return Coupon.objects.filter(match)


def _require_add(request: HttpRequest, model_admin: admin.ModelAdmin) -> None:
    if not model_admin.has_add_permission(request):
        raise PermissionDenied


def _changelist_url(**query: str) -> str:
    url = reverse("admin:promotions_coupon_changelist")
    return f"{url}?{urlencode(query)}" if query else url


def coupon_generate_view(request: HttpRequest, *, model_admin: admin.ModelAdmin) -> HttpResponse:
    """GET: the form for a batch of codes; POST: make them, then on to their download."""
    _require_add(request, model_admin)
    fields = [name for _name, options in GENERATE_FIELDSETS for name in options["fields"]]
    form_class = model_admin.get_form(request, None, change=False, form=CouponGenerateForm, fields=fields)
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = coupons_generate(
            template=form.instance,
            count=data["count"],
            prefix=data["prefix"],
            length=data["length"],
            category_ids=[category.pk for category in data["categories"]],
            product_ids=[product.pk for product in data["products"]],
        )
        request.session[BATCH_SESSION_KEY] = {
            "ranges": _id_ranges(coupon.pk for coupon in made),
            "count": len(made),
            "campaign": data["campaign"],
        }
        return redirect("admin:promotions_coupon_generate_done")
    adminform = helpers.AdminForm(form, GENERATE_FIELDSETS, {}, model_admin=model_admin)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": gettext("Generate coupon codes"),
        "adminform": adminform,
        "form": form,
        "errors": helpers.AdminErrorList(form, []),
        "media": model_admin.media + adminform.media,
    }
    return TemplateResponse(request, "admin/promotions/coupon/generate_form.html", context)


def coupon_generate_done_view(request: HttpRequest, *, model_admin: admin.ModelAdmin) -> HttpResponse:
    """The batch just made: its download starts by itself, and can be started again."""
    _require_add(request, model_admin)
    batch = request.session.get(BATCH_SESSION_KEY)
    if not batch:
        return redirect("admin:promotions_coupon_changelist")
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": gettext("Coupon codes generated"),
        "count": batch["count"],
        "campaign": batch["campaign"],
        "download_url": reverse("admin:promotions_coupon_generate_download"),
        "list_url": _changelist_url(**{CampaignFilter.parameter_name: batch["campaign"]}),
    }
    return TemplateResponse(request, "admin/promotions/coupon/generate_done.html", context)


def coupon_generate_download_view(request: HttpRequest, *, model_admin: admin.ModelAdmin) -> HttpResponse:
    """The codes of the batch this session made last, as CSV."""
    _require_add(request, model_admin)
    batch = request.session.get(BATCH_SESSION_KEY)
    if not batch:
        model_admin.message_user(
            request,
            gettext("There is no new batch of codes to download; choose codes in the list instead."),
            messages.WARNING,
        )
        return redirect("admin:promotions_coupon_changelist")
    return coupon_csv_response(_batch_coupons(batch), request=request)
