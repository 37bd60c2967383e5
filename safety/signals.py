"""Told after commit that alerts were opened, so that apps above (the e-mail ledger) can act
at once. Not the only path: the notifications tick finds every open alert on its own."""

from django.dispatch import Signal

# Sent with `alert_ids` (a list of SafetyAlert ids), after the raising transaction commits.
alerts_raised = Signal()
