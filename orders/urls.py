from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/language/", views.checkout_language, name="checkout_language"),
    path("checkout/address/", views.checkout_address_step, name="checkout_address_step"),
    path("checkout/shipping/", views.checkout_shipping, name="checkout_shipping"),
    path("checkout/coupon/", views.checkout_coupon_apply, name="checkout_coupon_apply"),
    path("checkout/coupon/remove/", views.checkout_coupon_remove, name="checkout_coupon_remove"),
    path("orders/<str:number>/", views.order_detail, name="detail"),
    path("orders/<str:number>/fapiao/", views.order_fapiao_request, name="fapiao_request"),
    path("orders/<str:number>/fapiao.pdf", views.order_fapiao_download, name="fapiao_download"),
    path("orders/<str:number>/receipt/", views.order_receipt_confirm_view, name="confirm_receipt"),
]
