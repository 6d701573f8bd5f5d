"""`watchkeeper check` on the settings of alerts in and incidents out: what is on, what pages,
where events go, and what cannot be what the operator meant, each with its fix."""

from __future__ import annotations

from pathlib import Path

from watchkeeper.config import load_settings
from watchkeeper.diagnostics import Finding, diagnose

KEY = "0123456789abcdef0123456789abcdef"
TOKEN = "a-token-long-enough-to-keep"


def check(tmp_path: Path, toml: str = "", **environ: str) -> dict[str, list[Finding]]:
    config = tmp_path / "watchkeeper.toml"
    config.write_text(toml)
    settings = load_settings(
        {
            "WATCHKEEPER_CONFIG": str(config),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'wk.db'}",
            **environ,
        },
        env_file=None,
    )
    found: dict[str, list[Finding]] = {}
    for finding in diagnose(settings):
        found.setdefault(finding.check.split()[0], []).append(finding)
    return found


def lines(findings: list[Finding]) -> str:
    return "\n".join(finding.line() for finding in findings)


def test_it_says_which_hooks_are_on(tmp_path: Path) -> None:
    on = check(tmp_path, WATCHKEEPER_HOOK_TOKENS=f"alertmanager={TOKEN},incident={TOKEN}")
    off = check(tmp_path)

    assert (
        lines(on["hooks"]) == "[ok  ] hooks: on: /hooks/alertmanager, /hooks/incident; off: grafana"
    )
    assert lines(off["hooks"]) == "[ok  ] hooks: all off (WATCHKEEPER_HOOK_TOKENS names no source)"


def test_a_short_token_or_rules_for_a_source_that_is_off_fail(tmp_path: Path) -> None:
    short = check(tmp_path, WATCHKEEPER_HOOK_TOKENS="grafana=abc")
    unused = check(tmp_path, "[alerts.grafana]\nresolve_incident = true\n")

    assert "[FAIL] hooks: the token for grafana is too short" in lines(short["hooks"])
    assert "openssl rand" in lines(short["hooks"])
    assert "abc" not in lines(short["hooks"])
    assert "add grafana=<token> to WATCHKEEPER_HOOK_TOKENS" in lines(unused["hooks"])


def test_it_says_what_pages_and_through_what(tmp_path: Path) -> None:
    pages = '[[severity]]\nname = "SEV1"\npage = true\n[[severity]]\nname = "SEV2"\n'

    both = check(
        tmp_path, pages, WATCHKEEPER_PAGERDUTY_ROUTING_KEY=KEY, WATCHKEEPER_OPSGENIE_API_KEY="k"
    )
    nothing = check(tmp_path, pages)
    unused = check(tmp_path, WATCHKEEPER_PAGERDUTY_ROUTING_KEY=KEY)
    short = check(tmp_path, pages, WATCHKEEPER_PAGERDUTY_ROUTING_KEY="abc")
    plain = check(
        tmp_path,
        pages,
        WATCHKEEPER_OPSGENIE_API_KEY="k",
        WATCHKEEPER_OPSGENIE_URL="http://og.example.com/v2/alerts",
    )

    assert lines(both["paging"]) == "[ok  ] paging: PagerDuty and Opsgenie paged at SEV1"
    assert "SEV1 should page, but no paging service is set" in lines(nothing["paging"])
    assert "no severity level pages" in lines(unused["paging"])
    assert "has 3 characters; an Events API v2 integration key has 32" in lines(short["paging"])
    assert "WATCHKEEPER_OPSGENIE_URL is plain http off this host" in lines(plain["paging"])


def test_webhooks_must_be_https_or_on_this_host_with_a_real_secret(tmp_path: Path) -> None:
    hooks = "".join(
        f'[[webhooks]]\nname = "{name}"\nurl = "{url}"\nsecret = "{secret}"\n'
        for name, url, secret in [
            ("tls", "https://hooks.example.com/in", "s" * 24),
            ("local", "http://127.0.0.1:8080/in", "s" * 24),
            ("plain", "http://hooks.example.com/in", "s" * 24),
            ("weak", "https://hooks.example.com/in", "short"),
        ]
    )

    found = {f.check: f for f in check(tmp_path, hooks)["webhook"]}

    assert found["webhook tls"].ok and found["webhook local"].ok
    assert found["webhook tls"].detail == "every event, signed, over https"
    assert not found["webhook plain"].ok and "use an https url" in found["webhook plain"].fix
    assert (
        not found["webhook weak"].ok and found["webhook weak"].detail == "its secret is too short"
    )
