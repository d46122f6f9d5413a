from django.urls import path

from solidarity import views

urlpatterns = [
    path("signaler/", views.post_choice_view, name="post-choice"),
    path("entraide/", views.request_list_view, name="solidarity-list"),
    path("entraide/nouvelle/<slug:kind>/", views.request_post_view, name="solidarity-post"),
    path("entraide/<int:request_id>/", views.request_view, name="solidarity-request"),
    path("entraide/<int:request_id>/je-peux-aider/", views.offer_make_view, name="solidarity-offer"),
    path("entraide/<int:request_id>/resolue/", views.request_resolve_view, name="solidarity-resolve"),
    path(
        "entraide/propositions/<int:offer_id>/<str:action>/", views.offer_decide_view, name="solidarity-offer-decide"
    ),
    path("entraide/conversations/<int:offer_id>/", views.conversation_view, name="solidarity-conversation"),
    path("moderation/entraide/", views.moderation_view, name="solidarity-moderation"),
    path(
        "moderation/entraide/<int:request_id>/<str:action>/",
        views.moderation_action_view,
        name="solidarity-moderation-action",
    ),
]
