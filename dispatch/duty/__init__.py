"""值班 · duty: who is on duty at each center (the roster), the escalation policy a critical
alert follows until someone acknowledges it, and each alert's own trail of steps.

- :mod:`dispatch.duty.roster` — the duty roster: shifts per center, who is on duty now, edits.
- :mod:`dispatch.duty.steps` — the alert trail (raised, notified, escalated, acknowledged …).
- :mod:`dispatch.duty.escalation` — the pass the server's periodic loop runs: escalation
  steps, re-opening acknowledged alerts whose condition persists, camera-offline hysteresis.
"""
