from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from standards.api_keys import open311_api_key_issue, open311_api_key_revoke
from standards.models import Open311ApiKey


class Command(BaseCommand):
    help = (
        "Émet une clé d'API Open311 pour le compte EMAIL (un habitant vérifié, ou le compte d'une application "
        "partenaire) et l'affiche en dernier mot ; --revoke PREFIXE révoque ses clés qui commencent ainsi."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="", help="qui utilise la clé (application partenaire)")
        parser.add_argument("--revoke", metavar="PREFIXE", help="révoquer les clés de ce compte qui commencent ainsi")

    def handle(self, *args, email, name, revoke, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"Aucun compte pour {email}.")
        if revoke:
            keys = Open311ApiKey.objects.active().filter(user=user, prefix__startswith=revoke[:8])
            if not keys:
                raise CommandError(f"Aucune clé active de {email} ne commence par {revoke}.")
            for key in keys:
                open311_api_key_revoke(key=key)
                self.stdout.write(f"Révoquée : {key.prefix}…")
            return
        _key, raw_key = open311_api_key_issue(user=user, name=name)
        self.stdout.write(
            f"Clé Open311 de {user.email} (elle ne sera plus affichée ; seule son empreinte est gardée) : {raw_key}"
        )
