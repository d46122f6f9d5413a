from celery import shared_task

from zones import services

# Communes per run: under a minute of work on one connection (10-25 ms a commune), so runs of beat
# rarely overlap; when they do, each skips the communes the other is building.
FILL_PER_RUN = 3000


@shared_task(name="zones.routing_faces_fill", ignore_result=True)
def routing_faces_fill() -> int:
    """Routing faces of the communes an import left without them. Run by Celery beat."""
    return services.routing_faces_fill(limit=FILL_PER_RUN)
