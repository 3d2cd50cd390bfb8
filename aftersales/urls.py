from django.urls import path

from aftersales import views

app_name = "aftersales"

# Included under orders/<str:number>/after-sales/: every view reads the order number first.
urlpatterns = [
    path("new/", views.request_new, name="new"),
    path("<str:request_number>/parcel/", views.request_return_parcel, name="return_parcel"),
    path("<str:request_number>/withdraw/", views.request_withdraw, name="withdraw"),
    path("<str:request_number>/photos/<int:photo_id>/", views.request_photo, name="photo"),
]
