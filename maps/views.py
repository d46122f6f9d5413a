from django.conf import settings
from django.shortcuts import render


def home(request):
    return render(request, "maps/home.html")


def accessibility_statement(request):
    """The RGAA 4.1 accessibility statement, public as the law requires."""
    return render(request, "maps/accessibility.html", {"contact": settings.MAPS_ACCESSIBILITY_CONTACT})
