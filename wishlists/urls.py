from django.urls import path

from wishlists import views

app_name = "wishlists"

urlpatterns = [
    path("", views.wishlist_detail, name="detail"),
    path("add/", views.wishlist_add, name="add"),
    path("remove/", views.wishlist_remove, name="remove"),
    path("emails/", views.wishlist_notify, name="notify"),
    path("stop/<str:token>/", views.wishlist_unsubscribe_view, name="unsubscribe"),
]
