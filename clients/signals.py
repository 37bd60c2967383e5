"""Told about feedback, so that apps above (the e-mail ledger) can act: `clients` knows
nothing of how an e-mail is sent."""

from django.dispatch import Signal

# Sent with `feedback` (a Feedback written by someone other than the client: their therapist)
# inside the transaction that saves it: the client is to be told, after that transaction
# commits, that a reply waits for them.
reply_left = Signal()
