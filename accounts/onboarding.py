"""The four steps a new resident goes through before posting: accept the charter, give the home,
send a proof of residence, wait for a person of the commune to verify it. A read with no side
effect: the pages show where the resident stands and each step leads to the next."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Residence, Role, User
from accounts.selectors import charter_accepted, is_platform_admin, proof_pending

DONE, CURRENT, WAITING, TODO = "done", "current", "waiting", "todo"


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    url: str
    state: str


@dataclass(frozen=True)
class Onboarding:
    steps: tuple[Step, ...]

    @property
    def next_url(self) -> str:
        """The page of the first step the resident has to do; the account page while they wait."""
        for step in self.steps:
            if step.state == CURRENT:
                return step.url
        return reverse("accounts-account")


def onboarding_of(user: User) -> Onboarding | None:
    """Where a signed-in resident stands on the way to posting, or None once there is nothing left
    to do (a verified home under the charter in force) and for staff, who do not post as residents."""
    if not user.is_authenticated or is_platform_admin(user) or Role.objects.filter(user=user).exists():
        return None
    residence = Residence.objects.filter(user=user).first()
    charter = charter_accepted(user)
    verified = residence is not None and residence.status == Residence.Status.VERIFIED
    if charter and verified:
        return None
    has_home = residence is not None and residence.status != Residence.Status.REJECTED
    proof_sent = verified or (has_home and proof_pending(residence) is not None)
    done = {"charter": charter, "home": has_home, "proof": proof_sent, "verification": verified}
    labels = {
        "charter": (_("Accepter la charte"), reverse("accounts-charter")),
        "home": (_("Indiquer mon domicile"), reverse("accounts-residence")),
        "proof": (_("Envoyer un justificatif"), reverse("accounts-proof-upload")),
        "verification": (_("Vérification par la commune"), reverse("accounts-account")),
    }
    steps, current_given = [], False
    for key, (label, url) in labels.items():
        if done[key]:
            state = DONE
        elif current_given:
            state = TODO
        else:
            # Nothing for the resident to do at the last step: a person of the commune decides.
            state = WAITING if key == "verification" else CURRENT
            current_given = True
        steps.append(Step(key=key, label=label, url=url, state=state))
    return Onboarding(steps=tuple(steps))
