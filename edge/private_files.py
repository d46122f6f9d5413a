"""Private files (proofs of residence, alert photos) opened in the browser's tab for the people
allowed to see them: `Content-Disposition: inline`, never a download left on a shared computer,
never cached, never sniffed into another type, and under a policy that lets them only be shown."""

from django.db.models.fields.files import FieldFile
from django.http import FileResponse

# An image is shown and nothing else: a polyglot (image + HTML) could not run a script even if a
# browser were fooled into reading it as a page.
IMAGE_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
# Browsers' PDF viewers do not start in a sandboxed document: a PDF may only embed itself.
PDF_CSP = "default-src 'none'; object-src 'self'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def inline_file_response(file: FieldFile, *, content_type: str, filename: str, csp: str) -> FileResponse:
    response = FileResponse(file.open("rb"), content_type=content_type, as_attachment=False, filename=filename)
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Content-Security-Policy"] = csp
    return response
