from django.urls import path, register_converter

from . import views
from .secret_links import SecretConverter

# Paths with a <secret:...> are written to logs with the secret redacted.
register_converter(SecretConverter, "secret")

app_name = "signatures"

urlpatterns = [
    path("petitions/<slug:slug>/sign/", views.sign, name="sign"),
    path("petitions/<slug:slug>/count.json", views.petition_count, name="count"),
    path("s/challenge/", views.challenge, name="challenge"),
    path("s/sent/<slug:slug>/", views.check_email, name="check_email"),
    path("s/confirm/<secret:token>/", views.confirm, name="confirm"),
    path("s/thanks/<slug:slug>/", views.thanks, name="thanks"),
    path("s/manage/<secret:token>/", views.manage, name="manage"),
    path("s/manage/<secret:token>/withdraw/", views.withdraw, name="withdraw"),
    path("s/manage/<secret:token>/my-data.json", views.my_data, name="my_data"),
]
