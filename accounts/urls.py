from django.urls import path

from accounts import apis

api_urlpatterns = [
    path("me/", apis.UserMeApi.as_view(), name="api-me"),
]

urlpatterns: list = []
