"""The language a signed-in person uses the site in is remembered, so that what reaches them
outside it (emails, text messages) is written in that language too. Install after
`django.middleware.locale.LocaleMiddleware` and the authentication middleware."""

from django.conf import settings

from accounts.models import User


class LanguageRememberedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.known = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(request, "LANGUAGE_CODE", None)
        if user is not None and user.is_authenticated and language in self.known and user.language != language:
            # Written only when it changes: one UPDATE the first time a person switches language.
            User.objects.filter(pk=user.pk).update(language=language)
            user.language = language
        return self.get_response(request)
