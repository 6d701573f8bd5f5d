"""Use cases: one function per thing a responder, an operator or the clock asks for.

- `context`: `Context` (storage, clock, configured rules, registered due work) and `Request`
- `changes`: the one path every change takes (load, change, record effects, commit)
- `declare`, `lifecycle`, `facts`, `reminders`: the incident's use cases
- `follow_ups`: follow-ups agreed and changed, their nudges and weekly digest (due work)
- `tidy`: resolved incidents' channels archived, quiet incidents' commanders asked (due work),
  `/incident keep` and the "Still going" answer
- `publishing`: the public status page's use cases
- `privacy`: making an incident private (who may see one: `queries.may_see`)
- `alerts`: a monitor's report declares an incident or lands on the one holding its group
- `outgoing`: the webhook events and pages each change makes (`Outgoing`, from the settings)
- `queries`, `reports`: read-only views and the documents drafted from an incident
- `effects`: `Effect` and `EffectKind`, what the outside world must be told
- `outbox`: the courier's use cases (claim, settle, remember what Slack holds)
- `settling`: how a failed delivery is judged, and the `Deliverer` a destination provides
- `due`: `DueWork`, kinds of scheduled work, and carrying out what is due exactly once
- `housekeeping`: forgetting what has served its purpose
- `ports`: what the use cases need from storage (and who is in a channel), as protocols
"""
