from django.urls import path

from . import views

app_name = "signatures"

urlpatterns = [
    path("sent/<slug:slug>/", views.check_email, name="check_email"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("thanks/<slug:slug>/", views.thanks, name="thanks"),
    path("manage/<str:token>/", views.manage, name="manage"),
]
