"""Moderation aids: spans of an alert's text that look like personal data or an accusation.

They help a moderator read quickly; they never decide. A highlighted span may be harmless (a colour,
a street named after someone) and an unhighlighted text may still break the charter. The lists are
short on purpose, and documented in docs/alerts.md:

- phone: French numbers, 0X XX XX XX XX with spaces, dots or dashes, or +33 / 0033 forms;
- email: an address with an @ and a domain;
- plate: SIV plates (AB-123-CD, letters without I, O, U) and old FNI ones (1234 AB 13);
- name: a capitalised word after a civility (M., Mme, monsieur, madame...), or a first name from a
  short list of common French first names of every origin, with the capitalised word after it;
- accusation: phrases that point at a culprit ("c'est lui", "le voleur est", "je soupçonne",
  "ce sont les"...) and words that describe people by origin or community ("gens du voyage",
  "roms"...), which a moderator must read before any publication;
- appearance: words that describe people by skin colour, supposed origin or religion rather than by
  what they did ("de type maghrébin", "basané", "un noir", "voilée"...): a colour is only marked when
  it names a person ("un noir"), not a car ("une voiture noire").

The same rules run for the author while typing (`alerts.apis.PostingHighlightsApi`), with
`KIND_EXPLANATIONS` saying why, so there is one list for both."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

KIND_LABELS = {
    "phone": _("numéro de téléphone ?"),
    "email": _("adresse électronique ?"),
    "plate": _("plaque d'immatriculation ?"),
    "name": _("nom de personne ?"),
    "accusation": _("accusation ou origine ?"),
    "appearance": _("apparence physique ?"),
}

# What the author reads beside a highlighted passage, before sending.
KIND_EXPLANATIONS = {
    "phone": _("Un numéro de téléphone permet d'identifier quelqu'un : il ne sera pas publié."),
    "email": _("Une adresse électronique permet d'identifier quelqu'un : elle ne sera pas publiée."),
    "plate": _(
        "Une plaque d'immatriculation désigne une personne : donnez le type et la couleur du véhicule, "
        "la plaque va à la police (17) seulement."
    ),
    "name": _("Ne nommez personne : décrivez ce qui s'est passé, pas qui c'est."),
    "accusation": _("Vigie n'accuse personne : décrivez ce que vous avez vu, sans désigner de coupable ni de groupe."),
    "appearance": _(
        "Décrivez ce que les personnes faisaient, pas leur apparence, leur origine supposée ou leur religion : "
        "ces descriptions mènent à soupçonner des innocents."
    ),
}

_PLATE_LETTER = "[A-HJ-NP-TV-Z]"
_DEPARTMENT = r"(?:0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6])"

_FIRST_NAMES = (
    "Adam",
    "Alexandre",
    "Ali",
    "Alice",
    "Amir",
    "Anne",
    "Antoine",
    "Arthur",
    "Camille",
    "Catherine",
    "Chloé",
    "Christophe",
    "Céline",
    "David",
    "Emma",
    "Enzo",
    "Fatima",
    "Florian",
    "Françoise",
    "Gabriel",
    "Hugo",
    "Inès",
    "Isabelle",
    "Jade",
    "Jean",
    "Jules",
    "Julien",
    "Kevin",
    "Karim",
    "Laurent",
    "Léa",
    "Léo",
    "Louis",
    "Louise",
    "Lucas",
    "Manon",
    "Marie",
    "Martin",
    "Mathis",
    "Maxime",
    "Mehdi",
    "Michel",
    "Mohamed",
    "Nathalie",
    "Nicolas",
    "Noah",
    "Nathan",
    "Olivier",
    "Paul",
    "Philippe",
    "Pierre",
    "Rayan",
    "Sarah",
    "Sophie",
    "Sylvie",
    "Thomas",
    "Théo",
    "Valérie",
    "Yanis",
    "Yasmine",
)

_ACCUSATIONS = [
    r"c'est (?:lui|elle|eux|encore|forcément|sûrement|surement|le fils|la fille)",
    r"ce sont (?:les|eux|encore)",
    r"(?:le|la|les) (?:voleur|voleuse|coupable|responsable)s? (?:est|sont|c'est)",
    r"(?:le|la|les) coupables?",
    r"je (?:soup[çc]onne|suspecte|sais qui|connais (?:le|la|les) (?:voleur|coupable))",
    r"(?:toujours|encore|forcément|sûrement) (?:les|ces) ",
]
# People described by origin or community: often the core of a discriminatory message.
_ORIGIN_TERMS = [
    r"gens du voyage",
    r"gitan(?:e|s|es)?",
    r"manouches?",
    r"roms?",
    r"arabes?",
    r"maghr[ée]bin(?:e|s|es)?",
    r"africain(?:e|s|es)?",
    r"[ée]tranger(?:e|s|es)?",
    r"migrant(?:e|s|es)?",
    r"racailles?",
    r"jeunes de (?:la|cette) cit[ée]",
]

# People described by how they look or their supposed origin or religion. Colours count only as nouns
# for people ("un noir", "des blancs"), so "une voiture noire" stays unmarked.
_APPEARANCE_TERMS = [
    r"de type (?:maghr[ée]bin|africain|europ[ée]en|asiatique|arabe|gitan|m[ée]diterran[ée]en|nord-africain|"
    r"caucasien|antillais|oriental)(?:e|s|es)?",
    r"typ[ée](?:e|s|es)?",
    r"basan[ée](?:e|s|es)?",
    r"(?:de )?couleur de peau",
    r"peau (?:noire|blanche|mate|fonc[ée]e|claire|bronz[ée]e)",
    r"(?:un|une|des|les|deux|trois|ces) (?:noir|noire|noirs|noires|blanc|blanche|blancs|blanches)",
    r"blacks?",
    r"beurs?|beurettes?|rebeus?|renois?|noichs?",
    r"asiatiques?|chinois(?:e|es)?",
    r"d'origine \w+",
    r"musulman(?:e|s|es)?|voil[ée](?:e|s|es)?|barbus?",
]

PATTERNS: list[tuple[str, re.Pattern]] = [
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("phone", re.compile(r"(?<![\d+])(?:(?:\+|00)33[\s.-]?(?:\(0\)[\s.-]?)?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")),
    (
        "plate",
        re.compile(
            rf"\b(?:{_PLATE_LETTER}{{2}}[- ]?\d{{3}}[- ]?{_PLATE_LETTER}{{2}}"
            rf"|(?i:[a-hj-np-tv-z]{{2}}-\d{{3}}-[a-hj-np-tv-z]{{2}})"
            rf"|\d{{1,4}}[- ]?[A-Z]{{1,3}}[- ]?{_DEPARTMENT})\b"
        ),
    ),
    (
        "name",
        re.compile(
            r"(?:\b(?i:monsieur|madame|mademoiselle|mme|mlle|mr)\b|\bM\.)\s*[A-ZÀ-Ý][\w'-]+(?:\s+[A-ZÀ-Ý][\w'-]+)?"
            rf"|\b(?:{'|'.join(_FIRST_NAMES)})\b(?:\s+[A-ZÀ-Ý][\w'-]+)?"
        ),
    ),
    ("accusation", re.compile(rf"\b(?i:{'|'.join(_ACCUSATIONS + _ORIGIN_TERMS)})\b")),
    ("appearance", re.compile(rf"\b(?i:{'|'.join(_APPEARANCE_TERMS)})\b")),
]


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    kind: str


def highlights_of(text: str) -> list[Highlight]:
    """Non-overlapping spans in text order; where two overlap, the one starting first (then the
    longest) wins, so a page can mark them without nesting."""
    found = [Highlight(m.start(), m.end(), kind) for kind, pattern in PATTERNS for m in pattern.finditer(text)]
    found.sort(key=lambda h: (h.start, -(h.end - h.start)))
    spans: list[Highlight] = []
    for highlight in found:
        if not spans or highlight.start >= spans[-1].end:
            spans.append(highlight)
    return spans


def segments_of(text: str, highlights: list[Highlight]) -> list[tuple[str, str | None, str]]:
    """The text cut into (piece, kind or None, label), for a page to wrap the highlighted pieces."""
    pieces, position = [], 0
    for highlight in highlights:
        if highlight.start > position:
            pieces.append((text[position : highlight.start], None, ""))
        pieces.append((text[highlight.start : highlight.end], highlight.kind, KIND_LABELS[highlight.kind]))
        position = highlight.end
    if position < len(text):
        pieces.append((text[position:], None, ""))
    return pieces
