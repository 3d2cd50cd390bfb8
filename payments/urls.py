from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("orders/<str:number>/pay/", views.pay, name="pay"),
    path("orders/<str:number>/pay/<str:reference>/", views.qr, name="qr"),
    path("orders/<str:number>/open-in-browser/", views.open_in_browser, name="open_in_browser"),
    path("orders/<str:number>/pay-instead/", views.pay_instead, name="pay_instead"),
    path("payments/wechat/oauth/", views.wechat_oauth, name="wechat_oauth"),
    path("payments/notify/<str:provider>/", views.notify, name="notify"),
]
