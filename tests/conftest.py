pytest_plugins = [
    "tests.fixtures.slack",
    "tests.fixtures.databases",
    "tests.fixtures.bot",
    "tests.fixtures.outside",
]
