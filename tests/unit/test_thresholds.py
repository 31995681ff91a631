"""Thresholds: parsing (errors name profile and key), boundaries, patterns, [defaults], verdicts."""

from pathlib import Path

import pytest

from loadtui.engine import profile_loading, profile_saving, profiles
from loadtui.engine.profiles import ProfileError
from loadtui.engine.thresholds import FAIL, NO_DATA, OK, WARN, Figures, Limit, evaluate, judge, matches, verdict


def load(tmp_path: Path, text: str) -> profiles.ProfileSet:
    path = tmp_path / "profiles.toml"
    path.write_text(text, encoding="utf-8")
    return profile_loading.load(path)


def figures(**values: float) -> Figures:
    base = dict(requests=100, failures=0, rps=10.0, avg_ms=50, max_ms=300, p50_ms=40, p90_ms=80, p95_ms=100, p99_ms=200)
    base.update(values)
    return Figures(**base)  # type: ignore[arg-type]


EXAMPLE = """
[defaults.thresholds]
p99_ms = 1000
fail_ratio = 0.05

[profiles.light.thresholds]
fail_ratio = { warn = 0.001, fail = 0.01 }
p95_ms = 500
rps_min = 50
abort_on_fail = "30s"
[[profiles.light.thresholds.endpoints]]
name = "/api/v1/health*"
p95_ms = { warn = 50, fail = 100 }

[profiles.plain]
users = 1
"""


def test_issue_example_parses_with_defaults_underneath(tmp_path: Path) -> None:
    loaded = load(tmp_path, EXAMPLE)
    light = loaded.get("light").thresholds
    assert light.overall["fail_ratio"] == Limit(fail=0.01, warn=0.001)
    assert light.overall["p95_ms"] == Limit(fail=500)
    assert light.overall["rps_min"] == Limit(fail=50)
    assert light.overall["p99_ms"] == Limit(fail=1000)  # from [defaults]
    assert light.abort_on_fail == "30s"
    assert [(e.pattern, dict(e.limits)) for e in light.endpoints] == [
        ("/api/v1/health*", {"p95_ms": Limit(fail=100, warn=50)})
    ]
    plain = loaded.get("plain").thresholds
    assert dict(plain.overall) == {"p99_ms": Limit(fail=1000), "fail_ratio": Limit(fail=0.05)}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "[profiles.p.thresholds]\np95 = 100\n",
            "[profiles.p.thresholds] p95: unknown threshold; did you mean 'p95_ms'?",
        ),
        (
            '[profiles.p.thresholds]\np95_ms = "fast"\n',
            '[profiles.p.thresholds] p95_ms: limit: expected a non-negative number, got "fast"',
        ),
        ("[profiles.p.thresholds]\nfail_ratio = 5\n", "fail_ratio is a fraction between 0 and 1 (1% is 0.01), got 5"),
        ("[profiles.p.thresholds]\np95_ms = { warn = 200, fail = 100 }\n", "warn (200) must be at or below fail (100)"),
        ("[profiles.p.thresholds]\nrps_min = { warn = 10, fail = 50 }\n", "warn (10) must be at or above fail (50)"),
        ("[profiles.p.thresholds]\np95_ms = { warn = 20 }\n", "p95_ms: missing 'fail'"),
        (
            '[profiles.p.thresholds]\nabort_on_fail = "later"\n',
            "[profiles.p.thresholds] abort_on_fail: expected a duration",
        ),
        ("[[profiles.p.thresholds.endpoints]]\np95_ms = 3\n", "endpoints: #1: missing name"),
        ('[[profiles.p.thresholds.endpoints]]\nname = "/x"\n', "endpoints: '/x': no limit given"),
        ('[[profiles.p.thresholds.endpoints]]\nname = "/x"\nmedian = 3\n', "endpoints: '/x' median: unknown threshold"),
    ],
)
def test_errors_name_profile_and_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ProfileError) as caught:
        load(tmp_path, body)
    assert message in str(caught.value) and str(caught.value).startswith("profiles.toml:"), str(caught.value)


@pytest.mark.parametrize(
    ("metric", "value", "limit", "state"),
    [
        ("p95_ms", 99.0, Limit(fail=100, warn=50), WARN),
        ("p95_ms", 100.0, Limit(fail=100, warn=50), WARN),  # at the limit is still within it
        ("p95_ms", 100.5, Limit(fail=100, warn=50), FAIL),
        ("p95_ms", 50.0, Limit(fail=100, warn=50), OK),
        ("p95_ms", 50.1, Limit(fail=100, warn=50), WARN),
        ("fail_ratio", 0.0099, Limit(fail=0.01), OK),
        ("fail_ratio", 0.0101, Limit(fail=0.01), FAIL),
        ("rps_min", 50.0, Limit(fail=50), OK),  # reaching the minimum passes
        ("rps_min", 49.9, Limit(fail=50), FAIL),
        ("rps_min", 59.9, Limit(fail=50, warn=60), WARN),
        ("rps_min", 60.0, Limit(fail=50, warn=60), OK),
    ],
)
def test_boundaries(metric: str, value: float, limit: Limit, state: str) -> None:
    assert judge(metric, value, limit) == state


def test_patterns_match_names_or_method_and_name() -> None:
    assert matches("/api/v1/health*", "GET", "/api/v1/health")
    assert matches("/api/v1/health*", "GET", "/api/v1/health/deep")
    assert not matches("/api/v1/health*", "GET", "/api/v2/health")
    assert matches("POST /api/*", "POST", "/api/v1/cart")
    assert not matches("POST /api/*", "GET", "/api/v1/cart")
    assert matches("*", "GET", "/anything")


def test_evaluate_each_matching_endpoint_and_no_data(tmp_path: Path) -> None:
    light = load(tmp_path, EXAMPLE).get("light").thresholds
    rows = [
        ("GET", "/api/v1/health", figures(p95_ms=40)),
        ("GET", "/api/v1/health/deep", figures(p95_ms=150)),
        ("GET", "/other", figures(p95_ms=900)),
    ]
    results = evaluate(light, figures(rps=60, failures=0, p95_ms=480), rows)
    by_scope = {(r.metric, r.scope): r.state for r in results}
    assert by_scope[("p95_ms", "GET /api/v1/health")] == OK
    assert by_scope[("p95_ms", "GET /api/v1/health/deep")] == FAIL
    assert ("p95_ms", "GET /other") not in by_scope
    assert by_scope[("p95_ms", "overall")] == OK and by_scope[("rps_min", "overall")] == OK
    assert verdict(results) == "fail"
    nothing = evaluate(light, figures(requests=0, rps=0), [])
    assert {r.state for r in nothing if r.metric != "fail_ratio"} == {NO_DATA}
    assert verdict(nothing) == "pass"  # no data is shown, not failed


def test_thresholds_round_trip_through_toml(tmp_path: Path) -> None:
    loaded = load(tmp_path, EXAMPLE)
    document = {
        "defaults": dict(loaded.data["defaults"]),
        "profiles": {name: profile_saving.profile_to_toml(p) for name, p in loaded.profiles.items()},
    }
    again = profile_loading.loads(profile_saving.dumps(document), Path("profiles.toml"))
    assert again.profiles == loaded.profiles
