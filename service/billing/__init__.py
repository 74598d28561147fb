"""Billing: the ``BillingGateway`` interface (:mod:`.interface`), its backends
(:mod:`.manual`, :mod:`.stripe_gateway`), billing runs (:mod:`.runs`), payments
(:mod:`.payments`), webhook events (:mod:`.events`) and reconciliation (:mod:`.reconcile`)."""
