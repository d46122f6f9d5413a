from django.urls import path

from maps.accountability import views

urlpatterns = [
    path("compte-public/<str:code>/", views.public_account_page, name="public-account"),
    path("compte-public/<str:code>/compte.csv", views.public_account_csv, name="public-account-csv"),
    path("compte-public/<str:code>/compte.json", views.public_account_json, name="public-account-json"),
]
