"""The first version of the charter every resident accepts before posting. Later versions are new
rows written by administrators; this text is never edited in place."""

from django.db import migrations

CHARTER_V1 = """Charte de Vigie — version 1

1. Informer et prévenir, jamais agir. Vigie sert à partager ce que vous voyez avec vos voisins, la police municipale et la mairie. Vous n'intervenez jamais vous-même : pas de poursuite, pas de ronde, pas de confrontation.

2. En cas d'urgence, appelez les secours avant tout. Police ou gendarmerie : 17. Pompiers : 18. Numéro d'urgence européen : 112. Par SMS pour les personnes sourdes ou malentendantes : 114. Vigie ne remplace pas les secours et n'est pas surveillée en permanence.

3. Respect et bienveillance. Vous décrivez des faits, avec calme et sans jugement. Pas d'insulte, pas de moquerie, pas de propos discriminatoire.

4. Aucune accusation, aucun nom. Vous ne désignez personne : ni nom, ni surnom, ni photo d'une personne, ni plaque d'immatriculation, ni adresse d'un voisin. Vous décrivez ce qui s'est passé, où et quand, pas qui serait coupable.

5. Chaque message est relu par un modérateur avant publication. Un message qui ne respecte pas la charte n'est pas publié.

6. Vos données. Votre adresse et votre justificatif de domicile servent seulement à vérifier que vous habitez la commune. Le justificatif est supprimé dès la décision, et au plus tard après 30 jours. Vos voisins ne voient jamais votre nom ni votre adresse. Vous pouvez télécharger vos données et supprimer votre compte à tout moment.

En acceptant cette charte, vous vous engagez à la respecter. Une nouvelle version devra être acceptée avant votre prochain signalement."""


def charter_seed(apps, schema_editor):
    CharterVersion = apps.get_model("accounts", "CharterVersion")
    CharterVersion.objects.get_or_create(version=1, defaults={"text": CHARTER_V1})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_proofs_access_log_email_confirmation")]

    operations = [migrations.RunPython(charter_seed, migrations.RunPython.noop)]
