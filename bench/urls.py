from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

from . import views

# The site's own patterns, language prefixes included (which Django cannot `include`), after the
# two bare baselines.
urlpatterns = [
    path("bench/fixed/", views.fixed_page, name="bench_fixed"),
    path("bench/form/", views.form_page, name="bench_form"),
    *site_urlpatterns,
]
