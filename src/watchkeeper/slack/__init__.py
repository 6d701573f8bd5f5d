"""Everything Slack: requests in (Bolt), side effects out (the Web API), and the words used.

- `app`: the Bolt app and its workspace check; `listeners/`: one module per Slack surface
- `subcommands/`: every `/incident` subcommand as one record, with its reader and answer
- `payloads`: any payload read as a `Request`; `refusals`: refusals worded, once for all surfaces
- `deliverer`: `SlackDeliverer`, the effects Slack is the destination of, each safe to repeat;
  `failures` judges its failures; `receipts`, `channels`, `uploads` make its steps idempotent
- `follow_up_deliverer`: `FollowUpDeliverer`, nudges by direct message, the digest, owners' zones
- `blocks`, `modals`, `home`, `reminder_message`, `follow_up_messages`, `tidy_messages`, `markup`:
  what Slack shows
- `times`, `due_dates`: times and due dates as responders type them
- `socket_link`: the Socket Mode link; `identity`: who the bot is; `instrumented`: counting
- `membership`: who is in a channel (`conversations.members`, remembered a minute), for lists
  that show a private incident only to its channel's members
- `pooled`: every Web API call over a shared pool of kept-alive connections (one TLS handshake
  serves many calls)
- `ids`: every block, action and callback ID; `methods`: the Web API methods and their scopes
"""
