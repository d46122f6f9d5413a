"""Routes of the inbox, preferences, broadcasts and police events: `api_urlpatterns` under /api/ and
`urlpatterns` at /."""

from django.urls import path

from delivery import apis, sms_views, views

api_urlpatterns = [
    path("inbox/", apis.InboxListApi.as_view(), name="api-inbox"),
    path("inbox/unread-count/", apis.InboxUnreadCountApi.as_view(), name="api-inbox-unread-count"),
    path("inbox/read-all/", apis.InboxMarkAllReadApi.as_view(), name="api-inbox-read-all"),
    path("inbox/<int:delivery_id>/read/", apis.InboxMarkReadApi.as_view(), name="api-inbox-read"),
    path("notification-preferences/", apis.NotificationPreferenceApi.as_view(), name="api-notification-preferences"),
    path("push/subscriptions/", apis.PushSubscriptionApi.as_view(), name="api-push-subscriptions"),
    path("broadcasts/", apis.BroadcastListApi.as_view(), name="api-broadcasts"),
    path("broadcasts/send/", apis.BroadcastSendApi.as_view(), name="api-broadcasts-send"),
    path("broadcasts/<int:broadcast_id>/", apis.BroadcastDetailApi.as_view(), name="api-broadcast-detail"),
    path("broadcasts/<int:broadcast_id>/correct/", apis.BroadcastCorrectApi.as_view(), name="api-broadcast-correct"),
    path(
        "broadcasts/<int:broadcast_id>/withdraw/", apis.BroadcastWithdrawApi.as_view(), name="api-broadcast-withdraw"
    ),
    path("police/events/", apis.PoliceEventListApi.as_view(), name="api-police-events"),
]

urlpatterns = [
    path("messages/", views.inbox_page, name="inbox"),
    path("messages/<int:delivery_id>/", views.inbox_message_page, name="inbox-message"),
    path("preferences/notifications/", views.preferences_page, name="notification-preferences"),
    path("mairie/messages/", views.broadcasts_page, name="broadcasts"),
    path("mairie/messages/<int:broadcast_id>/", views.broadcast_detail_page, name="broadcast-detail"),
    path("preferences/mobile/", sms_views.phone_page, name="phone-verification"),
    path("mairie/guichet/", sms_views.desk_register_page, name="desk-register"),
    path("mairie/guichet/<int:user_id>/", sms_views.desk_resident_page, name="desk-resident"),
    path("sms/inbound/<slug:provider>/", sms_views.inbound_sms_webhook, name="sms-inbound"),
]
