from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.product_list, name="product_list"),
    path("products/<slug:slug>/", views.product_detail, name="product_detail"),
    path("products/<slug:slug>/notify/", views.back_in_stock_request, name="back_in_stock_request"),
    path("category/<slug:slug>/", views.category_detail, name="category_detail"),
    path(
        "back-in-stock/unsubscribe/<str:token>/",
        views.back_in_stock_unsubscribe_view,
        name="back_in_stock_unsubscribe",
    ),
]
