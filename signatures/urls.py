from django.urls import path

from . import views

app_name = "signatures"

urlpatterns = [
    path("petitions/<slug:slug>/sign/", views.sign, name="sign"),
    path("petitions/<slug:slug>/count.json", views.petition_count, name="count"),
    path("s/challenge/", views.challenge, name="challenge"),
    path("s/sent/<slug:slug>/", views.check_email, name="check_email"),
    path("s/confirm/<str:token>/", views.confirm, name="confirm"),
    path("s/thanks/<slug:slug>/", views.thanks, name="thanks"),
    path("s/manage/<str:token>/", views.manage, name="manage"),
    path("s/manage/<str:token>/withdraw/", views.withdraw, name="withdraw"),
    path("s/manage/<str:token>/my-data.json", views.my_data, name="my_data"),
]
