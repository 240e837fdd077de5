from django.urls import path

from . import views

app_name = "petitions"

urlpatterns = [
    path("", views.petition_list, name="list"),
    path("about/", views.about, name="about"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("petitions/<slug:slug>/", views.petition_detail, name="detail"),
    path("petitions/<slug:slug>/qr.svg", views.petition_qr_code, name="qr_code"),
]
