from django.urls import path

from patrols import apis, views

api_urlpatterns = [
    path("patrols/round/", apis.PatrolRoundApi.as_view(), name="api-patrol-round"),
    path("patrols/absences/", apis.PatrolAbsenceLayerApi.as_view(), name="api-patrol-absences"),
    path("patrols/absences/<int:absence_id>/visits/", apis.PatrolVisitCreateApi.as_view(), name="api-patrol-visit"),
]

urlpatterns = [
    path("tranquillite-vacances/", views.absences_page, name="absences"),
    path("tranquillite-vacances/<int:absence_id>/", views.absence_edit_page, name="absence-edit"),
    path("tranquillite-vacances/<int:absence_id>/annuler/", views.absence_cancel, name="absence-cancel"),
    path("patrouille/", views.round_page, name="patrol-round"),
    path("patrouille/imprimer/", views.round_print_page, name="patrol-round-print"),
]
