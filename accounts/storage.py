"""Private file storage for proofs of residence: a folder outside MEDIA_ROOT that no URL serves.

The location is read from settings at each use (not frozen at import) so tests and operators can
move it; files only leave through a view that checks permission and logs the access. On disk, the
files are readable by the service's own user only (0600) in folders only it can enter (0700),
whatever the umask: another account on the machine must not read a resident's bill."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    file_permissions_mode = 0o600
    directory_permissions_mode = 0o700

    def _save(self, name, content):
        # Folders made before (by hand, or by an older version) are closed too, up to the root.
        folder = os.path.dirname(self.path(name))
        os.makedirs(folder, mode=0o700, exist_ok=True)
        while True:
            os.chmod(folder, 0o700)
            if os.path.samefile(folder, self.location):
                break
            folder = os.path.dirname(folder)
        return super()._save(name, content)

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
