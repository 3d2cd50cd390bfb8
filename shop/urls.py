from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from catalog import sitemaps
from shop import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # The storefront's pages first: most requests are theirs, and resolving stops at the first match
    # (their paths overlap no other app's).
    path("", include("catalog.urls")),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    path("sitemap-pages.xml", sitemaps.sitemap_pages, name="sitemap_pages"),
    path("sitemap-products-<int:page>.xml", sitemaps.sitemap_products, name="sitemap_products"),
    path("addresses/divisions/", views.division_list, name="division_list"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(settings.ADMIN_URL, admin.site.urls),
    path("account/", include("accounts.urls")),
    path("cart/", include("cart.urls")),
    path("wishlist/", include("wishlists.urls")),
    path("support/", include("support.urls")),
    path("orders/<str:number>/after-sales/", include("aftersales.urls")),
    path("", include("payments.urls")),
    path("", include("orders.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", views.media_serve, name="media"),
    ]

handler400 = "shop.views.bad_request"
handler403 = "shop.views.permission_denied"
handler404 = "shop.views.page_not_found"
handler500 = "shop.views.server_error"
