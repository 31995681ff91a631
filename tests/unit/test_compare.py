"""Comparing two summaries: regressions beyond the tolerance, in the right direction."""

import pytest

from loadtui.engine.compare import CompareError, compare, format_comparison, parse_tolerance


def summary(rps: float = 100, p95: float = 100, fail_ratio: float = 0.0, endpoints=None) -> dict:  # type: ignore[no-untyped-def, type-arg]
    totals = {"requests": 1000, "rps": rps, "fail_ratio": fail_ratio, "p50": p95 / 2, "p95": p95, "p99": p95 * 2}
    return {"totals": totals, "endpoints": endpoints or []}


def test_tolerance_parsing() -> None:
    assert parse_tolerance("20%") == pytest.approx(0.2)
    assert parse_tolerance("0.05") == pytest.approx(0.05)
    with pytest.raises(CompareError, match="expected a percentage"):
        parse_tolerance("lots")


@pytest.mark.parametrize(
    ("b", "regressed"),
    [
        (summary(p95=119), False),
        (summary(p95=121), True),
        (summary(rps=81), False),
        (summary(rps=79), True),
        (summary(rps=500, p95=10), False),  # better is never a regression
        (summary(fail_ratio=0.0005), False),  # from 0: below the 0.1 point floor
        (summary(fail_ratio=0.002), True),
    ],
)
def test_regressions_beyond_tolerance(b: dict, regressed: bool) -> None:  # type: ignore[type-arg]
    assert compare(summary(), b, 0.2).regressed is regressed


def test_endpoints_matched_by_method_and_name() -> None:
    a = summary(
        endpoints=[
            {
                "method": "GET",
                "name": "/x",
                "requests": 5,
                "rps": 1,
                "fail_ratio": 0,
                "p50_ms": 10,
                "p95_ms": 20,
                "p99_ms": 30,
            }
        ]
    )
    b = summary(
        endpoints=[
            {
                "method": "GET",
                "name": "/x",
                "requests": 5,
                "rps": 1,
                "fail_ratio": 0,
                "p50_ms": 10,
                "p95_ms": 60,
                "p99_ms": 30,
            },
            {
                "method": "GET",
                "name": "/new",
                "requests": 5,
                "rps": 1,
                "fail_ratio": 0,
                "p50_ms": 1,
                "p95_ms": 1,
                "p99_ms": 1,
            },
        ]
    )
    result = compare(a, b, 0.2)
    assert [row.scope for row in result.rows] == ["Aggregated", "GET /new", "GET /x"]
    assert result.regressions[0][0] == "GET /x" and result.regressions[0][1].figure == "p95"
    text = format_comparison(result)
    assert "20 -> 60 (+200%) !" in text and "REGRESSED" in text and "1 regression(s) beyond 20%" in text
