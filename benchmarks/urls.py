from django.urls import include, path

from benchmarks import views

urlpatterns = [
    path("bench/bare/", views.bare, name="bench_bare"),
    path("", include("shop.urls")),
]
