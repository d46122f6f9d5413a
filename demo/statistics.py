"""Demo data of the statistics part; see demo/loading.py."""

STEPS: list = []
