from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/language/", views.checkout_language, name="checkout_language"),
    path("checkout/address/", views.checkout_address_step, name="checkout_address_step"),
    path("checkout/coupon/", views.checkout_coupon_apply, name="checkout_coupon_apply"),
    path("checkout/coupon/remove/", views.checkout_coupon_remove, name="checkout_coupon_remove"),
    path("orders/<str:number>/", views.order_detail, name="detail"),
]
