from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views

handler500 = "config.views.server_error"

admin.site.site_header = _("Petitions administration")
admin.site.site_title = _("Petitions")

urlpatterns = [
    path("admin/two-factor/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon, name="favicon"),
]
# The pages signers see take their language from their address (/ko/petitions/...; English
# without a prefix), never from a cookie or the browser's languages: each address is one page
# for everyone, which any cache may keep (config/middleware.py, LocaleMiddleware).
urlpatterns += i18n_patterns(
    path("", include("signatures.urls")),
    path("deliveries/", include("deliveries.urls")),
    path("", include("petitions.urls")),
    prefix_default_language=False,
)
