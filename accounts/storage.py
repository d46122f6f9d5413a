"""Private file storage for proofs of residence: a folder outside MEDIA_ROOT that no URL serves.

The location is read from settings at each use (not frozen at import) so tests and operators can
move it; files only leave through a view that checks permission and logs the access."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    @property
    def base_location(self):
        return str(settings.PRIVATE_STORAGE_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no public URL.")
