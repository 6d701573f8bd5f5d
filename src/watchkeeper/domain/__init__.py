"""The incident and its rules, in plain Python: no Slack, no SQL, no clock reads.

- `incident`: `Incident`, its statuses, facts, roles and milestones, and the rules for
  changing each; every change appends a `TimelineEntry` (`timeline`)
- `pins`, `corrections`, `follow_ups`: the incident's rules for messages held on the timeline
  by pins and reactions, for corrections of its entries, and for its follow-ups (mixins of
  `Incident`)
- `status`, `severity`, `milestones`: what an incident is measured on
- `reminders`: when an incident is next due a reminder to post an update
- `tidy`: when a resolved incident's channel is archived, and a quiet one's commander asked
- `follow_ups` also: a follow-up (`Action`) and its states, and when its owner is nudged
- `permissions`: who may make the changes that matter most
- `alerts`: what a monitor reports (`AlertReport`) and what a report changes for its group
- `alert_policy`: which alerts may declare (matchers), at what severity and title; the quiet rule
- `events`: the incident events other systems hear of; `paging`: when an incident pages
- `durations`: durations as responders type them and reports show them
- `errors`: the refusals the rules give
"""
