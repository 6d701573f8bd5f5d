pytest_plugins = ["tests.fixtures.slack", "tests.fixtures.bot"]
