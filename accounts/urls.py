from django.urls import path

from accounts import apis, views

api_urlpatterns = [
    path("me/", apis.UserMeApi.as_view(), name="api-me"),
    path("me/residence/", apis.ResidenceApi.as_view(), name="api-residence"),
    path("me/residence/proof/", apis.ProofUploadApi.as_view(), name="api-proof-upload"),
    path("me/export/", apis.PersonalDataExportApi.as_view(), name="api-personal-data-export"),
    path("me/delete/", apis.AccountDeleteApi.as_view(), name="api-account-delete"),
    path("accounts/register/", apis.AccountRegisterApi.as_view(), name="api-register"),
    path("accounts/confirm/", apis.AccountEmailConfirmApi.as_view(), name="api-email-confirm"),
    path("accounts/csrf/", apis.AccountCsrfTokenApi.as_view(), name="api-csrf-token"),
    path("accounts/login/", apis.AccountLoginApi.as_view(), name="api-login"),
    path("accounts/logout/", apis.AccountLogoutApi.as_view(), name="api-logout"),
    path("accounts/otp/setup/", apis.OtpSetupApi.as_view(), name="api-otp-setup"),
    path("accounts/otp/verify/", apis.OtpVerifyApi.as_view(), name="api-otp-verify"),
    path("charter/", apis.CharterCurrentApi.as_view(), name="api-charter"),
    path("charter/accept/", apis.CharterAcceptApi.as_view(), name="api-charter-accept"),
    path("geocoder/", apis.GeocoderSuggestApi.as_view(), name="api-geocoder"),
    path("geocoder/near/", apis.GeocoderNearApi.as_view(), name="api-geocoder-near"),
    path("residences/pending/", apis.ResidenceVerificationListApi.as_view(), name="api-residence-verification-list"),
    path("residences/<int:residence_id>/", apis.ResidenceDecisionApi.as_view(), name="api-residence-decision"),
]

urlpatterns = [
    path("inscription/", views.register, name="accounts-register"),
    path("inscription/confirmer/<str:token>/", views.email_confirm, name="accounts-email-confirm"),
    path("inscription/invitation/<str:token>/", views.invitation_complete, name="accounts-invitation"),
    path("charte/", views.charter, name="accounts-charter"),
    path("compte/", views.account, name="accounts-account"),
    path("compte/domicile/", views.residence, name="accounts-residence"),
    path("compte/justificatif/", views.proof_upload, name="accounts-proof-upload"),
    path("compte/supprimer/", views.account_delete, name="accounts-delete"),
    path("compte/referents/", views.referent_visibility, name="accounts-referent-visibility"),
    path("mairie/referents/", views.referents_manage, name="referents-manage"),
    path("mairie/referents/<int:referent_id>/fin/", views.referents_end, name="referents-end"),
    path("referent/", views.referent_home, name="referent-home"),
    path("referent/charte/", views.referent_charter, name="referent-charter"),
    path("referent/inviter/", views.referent_invite, name="referent-invite"),
    path("securite/2fa/configurer/", views.otp_setup, name="accounts-otp-setup"),
    path("securite/2fa/verifier/", views.otp_verify, name="accounts-otp-verify"),
    path("verification/", views.verification_list, name="accounts-verification-list"),
    path("verification/<int:residence_id>/", views.verification_detail, name="accounts-verification-detail"),
    path("verification/<int:residence_id>/justificatif/", views.proof_file, name="accounts-proof-file"),
]
