import logging

from django.tasks import task

from .models import Delivery
from .services import delivery_build

logger = logging.getLogger(__name__)


@task
def build_delivery(delivery_id: int) -> None:
    delivery = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PREPARING).first()
    if delivery is None:
        return
    try:
        delivery_build(delivery=delivery)
    except Exception:
        # Recorded on the delivery, where staff see it; the traceback goes to the log.
        logger.exception("Delivery %s could not be built.", delivery_id)
