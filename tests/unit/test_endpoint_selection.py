"""One endpoint selection for every session kind: filter, then the top rows by the sort, in name order."""

from loadtui.engine.endpoint_selection import ROW_KEYS, SORT_KEYS, EndpointView, select_rows
from loadtui.engine.locust_rows import ENTRY_KEYS
from loadtui.engine.snapshot import EndpointRow


def row(name: str, requests: int, failures: int) -> EndpointRow:
    return EndpointRow("GET", name, requests, failures, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0)


def test_fail_ratio_ranks_by_ratio_not_by_count() -> None:
    rows = [row("/a", 1000, 10), row("/b", 10, 5), row("/c", 100, 1)]
    chosen = select_rows(rows, EndpointView("fail_ratio", descending=True), 1)
    assert [r.name for r in chosen.items] == ["/b"]  # 50% beats 1% and 1%, though /a failed more often


def test_filter_counts_and_name_order() -> None:
    rows = [row(f"/api/{i}", i, 0) for i in range(10)] + [row("/health", 99, 0)]
    chosen = select_rows(rows, EndpointView("requests", descending=True, name_filter="API"), 3)
    assert chosen.count == 11 and chosen.matched == 10
    assert [r.name for r in chosen.items] == ["/api/7", "/api/8", "/api/9"]  # top 3, shown by name


def test_every_sort_key_exists_for_rows_and_for_locust_entries() -> None:
    assert set(ROW_KEYS) == set(ENTRY_KEYS) == set(SORT_KEYS)
