"""Demo data of the zones part; see demo/loading.py."""

STEPS: list = []
