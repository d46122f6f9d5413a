from django.urls import path

from alerts import apis, photo_apis, photo_views, views

api_urlpatterns = [
    path("emergency-notice/", apis.EmergencyNoticeApi.as_view(), name="api-emergency-notice"),
    path("alerts/", apis.AlertCollectionApi.as_view(), name="api-alerts"),
    path("alerts/<int:alert_id>/", apis.AlertDetailApi.as_view(), name="api-alert-detail"),
    path("alerts/<int:alert_id>/follow-up/", apis.AlertFollowUpApi.as_view(), name="api-alert-follow-up"),
    path("alerts/<int:alert_id>/assignee/", apis.AlertAssignApi.as_view(), name="api-alert-assign"),
    path("alerts/<int:alert_id>/notes/", apis.AlertNotesApi.as_view(), name="api-alert-notes"),
    path("posting/highlights/", apis.PostingHighlightsApi.as_view(), name="api-posting-highlights"),
    path("posting/nearby/", apis.PostingNearbyApi.as_view(), name="api-posting-nearby"),
    path("alerts/<int:alert_id>/confirmations/", apis.AlertConfirmApi.as_view(), name="api-alert-confirm"),
    path("alerts/<int:alert_id>/appeal/", apis.AlertAppealApi.as_view(), name="api-alert-appeal"),
    path("alerts/<int:alert_id>/photos/", photo_apis.AlertPhotosApi.as_view(), name="api-alert-photos"),
    path("moderation/queue/", apis.ModerationQueueApi.as_view(), name="api-moderation-queue"),
    path("moderation/stats/", apis.ModerationStatsApi.as_view(), name="api-moderation-stats"),
    path("moderation/alerts/<int:alert_id>/publish/", apis.AlertPublishApi.as_view(), name="api-moderation-publish"),
    path("moderation/alerts/<int:alert_id>/reject/", apis.AlertRejectApi.as_view(), name="api-moderation-reject"),
    path("moderation/alerts/<int:alert_id>/redact/", apis.AlertRedactApi.as_view(), name="api-moderation-redact"),
    path(
        "moderation/alerts/<int:alert_id>/restore/",
        apis.AlertRedactionRestoreApi.as_view(),
        name="api-moderation-restore",
    ),
    path("moderation/alerts/<int:alert_id>/merge/", apis.AlertMergeApi.as_view(), name="api-moderation-merge"),
]

urlpatterns = [
    path("alertes/nouvelle/", views.alert_post_view, name="alert-post"),
    path("alertes/mes-alertes/", views.my_alerts_view, name="my-alerts"),
    path("alertes/<int:alert_id>/je-l-ai-vu-aussi/", views.alert_confirm_view, name="alert-confirm"),
    path("alertes/<int:alert_id>/recours/", views.alert_appeal_view, name="alert-appeal"),
    path("alertes/photos/<int:photo_id>/", photo_views.alert_photo_view, name="alert-photo"),
    path("moderation/photos/<int:photo_id>/", photo_views.moderation_photo_view, name="moderation-photo"),
    path("moderation/", views.moderation_queue_view, name="moderation-queue"),
    path("moderation/recours/<int:appeal_id>/<str:action>/", views.appeal_decide_view, name="appeal-decide"),
    path("moderation/alertes/<int:alert_id>/<str:action>/", views.moderation_action_view, name="moderation-action"),
]
