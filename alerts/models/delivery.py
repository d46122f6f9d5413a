"""Models of routing and delivery: routed zones, deliveries, preferences, broadcasts."""
