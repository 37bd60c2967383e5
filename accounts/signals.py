"""Told about invitations, so that apps above (the e-mail ledger) can act: `accounts` is the
ground floor and knows nothing of how an e-mail is sent."""

from django.dispatch import Signal

# Sent with `relationship` (a CareRelationship) inside the transaction that saves or resends
# an invitation: its e-mail is to be sent, once, after that transaction commits.
invitation_to_send = Signal()

# Sent with `relationship` inside the transaction that ends a care relationship: apps above
# undo what was planned within it (its future sessions are cancelled).
relationship_ended = Signal()
