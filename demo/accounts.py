"""Demo data of the accounts part; see demo/loading.py."""

STEPS: list = []
