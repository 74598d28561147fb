"""Payouts to commoners (issue 7), service side: identity claims and payout accounts
(:mod:`.claims`), payout policies (:mod:`.policy`), the pool read from the journal
(:mod:`.pool`), payout runs (:mod:`.runs`), statements (:mod:`.statements`), the public
ledger (:mod:`.public`) and payout providers (:mod:`.providers`). The maths is
:mod:`licences.allocation`; the contributions come from :mod:`scanners.contributions`."""
