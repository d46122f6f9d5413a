"""What the geography tells the parts that depend on it, without depending on them."""

from django.dispatch import Signal

# Sent inside the transaction, once the subdivided parts are rebuilt, whenever neighbourhoods of
# these communes were created or had their boundary changed (drawn, edited, imported, generated).
# Keyword arguments: commune_ids, zone_ids. Deletions are Django's own post_delete of Zone.
neighbourhoods_changed = Signal()
