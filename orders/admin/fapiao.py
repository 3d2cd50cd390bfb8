"""The fapiao queue: requested fapiao to issue, each issued with its number and/or its PDF.

Order managers (``orders.change_fapiaorequest``) issue; support agents read. The request
itself is the customer's and stays read-only; issuing goes through
``orders.services.fapiao_issue``, outside the admin's per-request transaction.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.admin.forms import FapiaoIssueForm
from orders.exceptions import FapiaoNotReady
from orders.models import FapiaoRequest
from orders.services import fapiao_issue
from shop.uploads import private_file_response


@admin.register(FapiaoRequest)
class FapiaoRequestAdmin(admin.ModelAdmin):
    """The queue of fapiao to issue (oldest first), and each request's page with the issue form."""

    # Few columns, so the queue fits a laptop beside the admin's menu; the rest is on each page.
    list_display = ["order_number", "status_badge", "kind", "title", "tax_number_column", "requested_at"]
    list_filter = ["status", "kind"]
    search_fields = ["order__number", "title", "tax_number"]
    list_select_related = ["order"]
    ordering = ["requested_at", "id"]
    date_hierarchy = "requested_at"
    fields = [
        "order_link",
        "status",
        "kind",
        "title",
        "tax_number",
        "email",
        "requested_at",
        "number",
        "pdf_link",
        "issued_at",
        "issued_by",
    ]
    readonly_fields = fields
    change_form_template = "admin/orders/fapiaorequest/change_form.html"

    class Media:
        css = {"all": ["css/orders_admin.css"]}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        # Order numbers and tax numbers are stored upper case; staff type them any way.
        return super().get_search_results(request, queryset, search_term.strip().upper() or search_term)

    @admin.display(description=_("order"), ordering="order__number")
    def order_number(self, fapiao: FapiaoRequest) -> str:
        return fapiao.order.number

    @admin.display(description=_("tax number"), ordering="tax_number")
    def tax_number_column(self, fapiao: FapiaoRequest) -> str:
        return fapiao.tax_number or "-"

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, fapiao: FapiaoRequest) -> str:
        return format_html(
            '<span class="status-badge fapiao-badge-{}">{}</span>', fapiao.status, fapiao.get_status_display()
        )

    @admin.display(description=_("order"))
    def order_link(self, fapiao: FapiaoRequest) -> str:
        url = reverse("admin:orders_order_change", args=[fapiao.order_id])
        return format_html('<a href="{}">{}</a>', url, fapiao.order.number)

    @admin.display(description=_("fapiao PDF"))
    def pdf_link(self, fapiao: FapiaoRequest) -> str:
        if not fapiao.pdf:
            return "-"
        url = reverse("admin:orders_fapiaorequest_pdf", args=[fapiao.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        custom = [path("<path:object_id>/pdf/", wrap(self.pdf_view), name="orders_fapiaorequest_pdf")]
        return custom + super().get_urls()

    def _fapiao_get(self, request: HttpRequest, object_id: str) -> FapiaoRequest:
        fapiao = self.get_object(request, unquote(object_id))
        if fapiao is None:
            raise Http404(gettext("No such fapiao request."))
        return fapiao

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            # Issuing runs its own transaction: never inside the admin's change-form one.
            return self.issue_view(request, object_id)
        fapiao = self._fapiao_get(request, object_id)
        extra_context = {
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
            **(extra_context or {}),
        }
        if not fapiao.is_issued and self.has_change_permission(request, fapiao):
            extra_context.setdefault("issue_form", FapiaoIssueForm())
        return super().change_view(request, object_id, form_url, extra_context)

    def issue_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """POST of the issue form: issue the fapiao through the service, or the page again with errors."""
        fapiao = self._fapiao_get(request, object_id)
        if not self.has_change_permission(request, fapiao):
            raise PermissionDenied
        form = FapiaoIssueForm(request.POST, request.FILES)
        if not form.is_valid():
            request.method = "GET"  # the page as shown, with the form's errors
            response = self.change_view(request, object_id, extra_context={"issue_form": form})
            response.status_code = 400
            return response
        try:
            fapiao_issue(
                fapiao=fapiao,
                number=form.cleaned_data["number"],
                pdf=form.cleaned_data["pdf"],
                actor=request.user,
            )
        except FapiaoNotReady as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            done = gettext("The fapiao for order %(number)s is issued; the customer is emailed.")
            self.message_user(request, done % {"number": fapiao.order.number}, messages.SUCCESS)
        return redirect("admin:orders_fapiaorequest_change", fapiao.pk)

    def pdf_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Staff download the issued PDF (view permission), as a sandboxed download."""
        fapiao = self._fapiao_get(request, object_id)
        if not self.has_view_or_change_permission(request, fapiao):
            raise PermissionDenied
        if not fapiao.pdf:
            raise Http404(gettext("No such fapiao request."))
        try:
            handle = fapiao.pdf.open("rb")
        except OSError as error:
            raise Http404(gettext("The file is missing from storage.")) from error
        return private_file_response(
            handle, filename=f"fapiao-{fapiao.order.number}.pdf", content_type="application/pdf"
        )
