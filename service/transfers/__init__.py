"""Money out: transfers to a foundation's or a commoner's connected account, behind one
``PayoutProvider`` interface (:mod:`service.transfers.interface`)."""
