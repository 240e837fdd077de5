from django.urls import path

from . import views

app_name = "deliveries"

urlpatterns = [
    path("public-key.pem", views.public_key, name="public_key"),
    path("<uuid:public_id>/", views.delivery_detail, name="detail"),
]
