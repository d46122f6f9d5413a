"""Demo data of the alerts part; see demo/loading.py."""

STEPS: list = []
