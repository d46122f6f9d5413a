"""Demo data of the routing part; see demo/loading.py."""

STEPS: list = []
