from django import template

from petitions.models import Petition

from ..models import Delivery

register = template.Library()


@register.inclusion_tag("deliveries/includes/_notice.html")
def delivery_notice(petition):
    """Where, when and with how many signatures the petition was handed over, once it was.

    Only a delivered petition is looked up: the petition page is read far too often to ask
    the database about every other one.
    """
    if petition.status != Petition.Status.DELIVERED:
        return {"delivery": None}
    return {"delivery": Delivery.objects.latest_delivered_for(petition)}
