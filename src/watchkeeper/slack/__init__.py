"""Everything Slack: requests in (Bolt), side effects out (the Web API), and the words used.

- `app`: the Bolt app and its workspace check; `listeners/`: one module per Slack surface
- `subcommands/`: every `/incident` subcommand as one record, with its reader and answer
- `payloads`: any payload read as a `Request`; `refusals`: refusals worded, once for all surfaces
- `deliverer`: `SlackDeliverer`, the effects Slack is the destination of, each safe to repeat;
  `failures` judges its failures; `receipts`, `channels`, `uploads` make its steps idempotent
- `blocks`, `modals`, `home`, `reminder_message`, `markup`, `times`: what Slack shows
- `socket_link`: the Socket Mode link; `identity`: who the bot is; `instrumented`: counting
- `ids`: every block, action and callback ID; `methods`: the Web API methods and their scopes
"""
