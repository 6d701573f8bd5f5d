"""Update reminders: APScheduler plans them; the database decides who sends each one."""
