from django import template

from ..models import Delivery

register = template.Library()


@register.inclusion_tag("deliveries/includes/_notice.html")
def delivery_notice(petition):
    """Where, when and with how many signatures the petition was handed over, once it was."""
    return {"delivery": Delivery.objects.latest_delivered_for(petition)}
