"""What the zones commands share: one-line errors and the printed report."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from zones.importing import BoundaryImportError


@contextmanager
def one_line_errors():
    """Turn the import's refusals into CommandError: one line on stderr, exit status 1."""
    try:
        yield
    except BoundaryImportError as error:
        raise CommandError(str(error)) from None
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from None


def report_print(command, report) -> None:
    for line in report.lines():
        command.stdout.write(line)
