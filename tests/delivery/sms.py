"""An SMS gateway for tests: records what it is asked to send, or fails as told."""

from delivery.channels.sms import SmsPermanentError

SENT: list[tuple[str, str]] = []


class RecordingSmsGateway:
    def send(self, *, phone_number: str, text: str) -> None:
        if phone_number.endswith("99"):
            raise SmsPermanentError("numéro inconnu")
        SENT.append((phone_number, text))
