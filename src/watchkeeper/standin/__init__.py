"""A local stand-in for Slack over loopback (Web API on HTTP, Socket Mode on WebSockets), for the tests and `watchkeeper demo`.

`receiver.FakeReceiver` stands in for what lies outside Slack: webhook receivers, PagerDuty and
Opsgenie.
"""

from watchkeeper.standin.receiver import FakeReceiver
from watchkeeper.standin.server import FakeSlack
from watchkeeper.standin.state import (
    GENERAL_CHANNEL_ID,
    SEED_USERS,
    Call,
    Channel,
    Message,
    StoredFile,
    User,
    View,
)

__all__ = [
    "GENERAL_CHANNEL_ID",
    "SEED_USERS",
    "Call",
    "Channel",
    "FakeReceiver",
    "FakeSlack",
    "Message",
    "StoredFile",
    "User",
    "View",
]
