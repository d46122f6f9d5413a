"""Routes of the inbox, preferences, broadcasts and police events: `api_urlpatterns` under /api/ and
`urlpatterns` at /."""

from django.urls import path

from delivery import apis, following_views, sms_views, views

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
    path("preferences/lieux-suivis/", following_views.followed_places_page, name="followed-places"),
    path("preferences/lieux-suivis/ajouter/", following_views.followed_place_add, name="followed-place-add"),
    path(
        "preferences/lieux-suivis/<int:place_id>/", following_views.followed_place_change, name="followed-place-change"
    ),
    path(
        "preferences/lieux-suivis/<int:place_id>/supprimer/",
        following_views.followed_place_remove,
        name="followed-place-remove",
    ),
    path("preferences/pres-de-moi/", following_views.near_me_switch, name="near-me"),
    path("mairie/messages/", views.broadcasts_page, name="broadcasts"),
    path("mairie/messages/<int:broadcast_id>/", views.broadcast_detail_page, name="broadcast-detail"),
    path("mairie/rappels/", views.reminders_page, name="reminders"),
    path("mairie/rappels/<int:reminder_id>/annuler/", views.reminder_cancel_page, name="reminder-cancel"),
    path("referent/messages/", views.referent_broadcasts_page, name="referent-broadcasts"),
    path("referent/messages/<int:broadcast_id>/relayer/", views.referent_relay, name="referent-relay"),
    path("preferences/mobile/", sms_views.phone_page, name="phone-verification"),
    path("mairie/guichet/", sms_views.desk_register_page, name="desk-register"),
    path("mairie/guichet/<int:user_id>/", sms_views.desk_resident_page, name="desk-resident"),
    path("sms/inbound/<slug:provider>/", sms_views.inbound_sms_webhook, name="sms-inbound"),
]
