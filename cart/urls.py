from django.urls import path

from cart import views

app_name = "cart"

urlpatterns = [
    path("", views.cart_detail, name="detail"),
    path("add/", views.cart_add_view, name="add"),
    path("update/", views.cart_update_view, name="update"),
    path("lines/", views.cart_lines_update_view, name="lines_update"),
    path("coupon/", views.cart_coupon_apply_view, name="coupon_apply"),
    path("coupon/remove/", views.cart_coupon_remove_view, name="coupon_remove"),
]
