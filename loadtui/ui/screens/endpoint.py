"""A past run's endpoint up close: Enter on a row of a past run's endpoints (``R``, Enter on the run).

The drawing is :class:`~..widgets.endpoint_detail.EndpointDetailPanel`'s, the same panel the
dashboard shows live; here it shows what :func:`loadtui.engine.runs.read_endpoint` read back from
the run's folder. Escape goes back to the run.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from loadtui.engine.snapshot import EndpointDetail

from ..widgets.endpoint_detail import EndpointDetailPanel


class EndpointScreen(Screen[None]):
    """The panel and the footer; dismissed when the panel is closed (Escape)."""

    def __init__(self, detail: EndpointDetail, *, started_at: float | None = None) -> None:
        super().__init__()
        self.detail = detail
        self.started_at = started_at
        """Epoch seconds of the run's start: past an hour the time axis reads as clock time."""

    @property
    def key(self) -> tuple[str, str]:
        return self.detail.key

    def compose(self) -> ComposeResult:
        yield EndpointDetailPanel(live=False, id="endpoint-panel")
        yield Footer()

    def on_mount(self) -> None:
        panel = self.query_one(EndpointDetailPanel)
        panel.show_endpoint(*self.key, detail=self.detail, started_at=self.started_at)
        self.set_focus(panel.focus_target, scroll_visible=False)

    @on(EndpointDetailPanel.Closed)
    def _panel_closed(self) -> None:
        self.dismiss(None)
