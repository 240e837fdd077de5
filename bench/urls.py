from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/fixed/", views.fixed_page, name="bench_fixed"),
    path("bench/form/", views.form_page, name="bench_form"),
    path("", include("config.urls")),
]
