"""What the window's flows (live, rehearsal, first run) use of the window: a narrow protocol.

The flows are modules of their own; they talk to the main window through this
interface rather than importing it, so ``ui.main_window`` builds them without
a cycle. :class:`ui.main_window.MainWindow` is the one implementation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar, QTabWidget, QWidget

    from studio.app import StudioApp
    from ui.golive import GoLivePanel
    from ui.jobs import Jobs
    from ui.review import ReviewWindow
    from ui.sales import SalesPanel
    from ui.settings import AppSettings
    from ui.shelf import ProductShelf
    from ui.show_runner import ShowRunner


class FlowHost(Protocol):
    app: StudioApp
    settings: AppSettings
    jobs: Jobs
    panel: GoLivePanel
    runner: ShowRunner
    sales: SalesPanel
    shelf: ProductShelf
    tabs: QTabWidget
    reviews: list[ReviewWindow]

    def window(self) -> QWidget: ...  # the window itself: the flows' dialogs' parent
    def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)
    def error(self, title: str, text: str) -> None: ...
    def info(self, title: str, text: str) -> None: ...
    def error_text(self, error: object) -> str: ...
    def still_busy(self) -> None: ...
    def show_cleared(self) -> None: ...
    def choose_source(self, spec: str) -> bool: ...
