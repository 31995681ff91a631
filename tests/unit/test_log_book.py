"""The run's log lines: bounded in memory, all of them in the spool, numbered for readers."""

import logging

from loadtui.engine.log_book import STDOUT, LogBook, StdoutTee, parse_worker_line


def test_lines_are_numbered_bounded_and_all_kept_in_the_spool() -> None:
    book = LogBook(keep=10)
    for i in range(25):
        book.add("worker 1", STDOUT, f"line {i}")
    assert book.count == 25
    recent = book.recent()
    assert [line.number for line in recent] == list(range(16, 26))
    assert [line.text for line in book.recent(after=23)] == ["line 23", "line 24"]
    text = book.text()
    assert text.count("\n") == 25 and "worker 1 stdout: line 0" in text and text.endswith("line 24\n")
    book.close()


def test_a_multiline_record_is_one_line_per_line_and_log_records_arrive() -> None:
    book = LogBook()
    logger = logging.getLogger("test_log_book")
    handler = book.handler()
    logger.addHandler(handler)
    try:
        logger.warning("first\nsecond")
    finally:
        logger.removeHandler(handler)
    assert [(line.level, line.text) for line in book.recent()] == [
        ("WARNING", "test_log_book: first"),
        ("WARNING", "second"),
    ]


def test_worker_lines_are_read_back_with_their_level() -> None:
    assert parse_worker_line("[ERROR] locust.user: boom") == ("ERROR", "locust.user: boom")
    assert parse_worker_line("Traceback (most recent call last):") == ("stderr", "Traceback (most recent call last):")


def test_stdout_tee_keeps_printing_and_records_whole_lines(capsys) -> None:  # type: ignore[no-untyped-def]
    book = LogBook()
    with StdoutTee(book).installed():
        print("hello", end="")
        print(" world")
        print("tail", end="")
    assert capsys.readouterr().out == "hello world\ntail"
    assert [line.text for line in book.recent()] == ["hello world", "tail"]


def test_a_forwarded_buffer_that_rotates_adds_only_its_new_lines() -> None:
    """A remote worker's last 500 lines, polled again: the oldest dropped, new ones (one repeating
    an old line's text) added; each new line is added once, none is lost."""
    book = LogBook()
    book.add_latest("worker 1", ["a", "b", "c", "X"])
    book.add_latest("worker 1", ["b", "c", "X", "d", "X"])
    book.add_latest("worker 1", ["b", "c", "X", "d", "X"])  # nothing new
    book.add_latest("worker 1", ["y", "z"])  # rotated past everything seen
    assert [line.text for line in book.recent()] == ["a", "b", "c", "X", "d", "X", "y", "z"]
