from celery import shared_task

from zones import services

# Communes per run: about a minute of work, so runs of beat never pile up behind one another.
FILL_PER_RUN = 1000


@shared_task(name="zones.routing_faces_fill", ignore_result=True)
def routing_faces_fill() -> int:
    """Routing faces of the communes an import left without them. Run by Celery beat."""
    return services.routing_faces_fill(limit=FILL_PER_RUN)
