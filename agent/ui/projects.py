"""The project picker of the timer window: a search field, the project list
(recent ones first) and the tasks of the chosen project with their status."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agent.ui.features import DONE
from agent.ui.viewmodel import order_projects
from shared.schemas import ActiveProject

ROLE_ID = Qt.ItemDataRole.UserRole


class _Search(QLineEdit):
    """Arrow keys move through the list while typing; Enter picks."""

    moved = Signal(int)
    picked = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            self.moved.emit(1 if key == Qt.Key.Key_Down else -1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.picked.emit()
        else:
            super().keyPressEvent(event)


class ProjectPicker(QWidget):
    chosen = Signal(object, object)  # (project id, task id or None)
    start_requested = Signal()
    mark_done = Signal(str, str)  # (project id, task id)

    def __init__(self) -> None:
        super().__init__()
        self.projects: list[ActiveProject] = []
        self.recent: list[str] = []
        self.task_status: dict[str, str] = {}
        self.current: tuple[str | None, str | None] = (None, None)
        self.search = _Search()
        self.search.setPlaceholderText("Search projects and tasks  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search projects")
        self.list = QListWidget()
        self.list.setAccessibleName("Projects")
        self.list.setUniformItemSizes(True)
        self.tasks_label = QLabel("Tasks")
        self.tasks = QListWidget()
        self.tasks.setAccessibleName("Tasks")
        self.done_button = QPushButton("Mark done")
        self.done_button.setToolTip("Mark the selected task done on the server")
        self.task_note = QLabel("")
        self.task_note.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.tasks_label, 1)
        row.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 3)
        layout.addLayout(row)
        layout.addWidget(self.tasks, 2)
        layout.addWidget(self.task_note)
        self.search.textChanged.connect(lambda _t: self._fill())
        self.search.moved.connect(self._move)
        self.search.picked.connect(self._pick_and_start)
        self.list.itemClicked.connect(lambda _i: self._pick())
        self.list.itemActivated.connect(lambda _i: self._pick_and_start())
        self.tasks.itemClicked.connect(lambda _i: self._pick_task())
        self.tasks.itemActivated.connect(lambda _i: self._pick_task())
        self.done_button.clicked.connect(self._mark_done)
        self.tasks.currentItemChanged.connect(lambda *_: self._done_enabled())

    # --- data in ---------------------------------------------------------------------

    def set_data(
        self,
        projects: list[ActiveProject],
        recent: list[str],
        current: tuple[str | None, str | None],
        task_status: dict[str, str],
    ) -> None:
        key = ([(p.id, p.name, len(p.tasks)) for p in projects], recent, current, task_status)
        if key == getattr(self, "_key", None):
            return
        self._key = key
        self.projects, self.recent, self.current = projects, recent, current
        self.task_status = task_status
        self._fill()

    def project_names(self) -> list[str]:
        """The names in the list, top to bottom (headers left out)."""
        return [
            it.text()
            for it in (self.list.item(i) for i in range(self.list.count()))
            if it is not None and it.data(ROLE_ID)
        ]

    # --- internals ---------------------------------------------------------------------

    def _fill(self) -> None:
        self.list.clear()
        ordered = order_projects(self.projects, self.recent, self.search.text())
        header_font = QFont()
        header_font.setBold(True)
        last_group: bool | None = None
        select_row = None
        for project, recent in ordered:
            if recent != last_group and not self.search.text():
                header = QListWidgetItem("Recent" if recent else "All projects")
                header.setFlags(Qt.ItemFlag.NoItemFlags)
                header.setFont(header_font)
                self.list.addItem(header)
                last_group = recent
            item = QListWidgetItem(project.name)
            item.setData(ROLE_ID, project.id)
            self.list.addItem(item)
            if project.id == self.current[0]:
                select_row = self.list.count() - 1
        if select_row is None and self.search.text():
            select_row = next(
                (i for i in range(self.list.count()) if self.list.item(i).data(ROLE_ID)), None
            )
        if select_row is not None:
            self.list.setCurrentRow(select_row)
        if not ordered:
            empty = QListWidgetItem(
                "No project matches" if self.search.text() else "No projects yet"
            )
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(empty)
        self._fill_tasks()

    def _selected_project(self) -> ActiveProject | None:
        item = self.list.currentItem()
        pid = item.data(ROLE_ID) if item is not None else None
        return next((p for p in self.projects if p.id == pid), None)

    def _fill_tasks(self) -> None:
        self.tasks.clear()
        project = self._selected_project() or next(
            (p for p in self.projects if p.id == self.current[0]), None
        )
        if project is None:
            self.tasks_label.setText("Tasks")
            self.done_button.setVisible(False)
            return
        self.tasks_label.setText(f"Tasks of {project.name}")
        none = QListWidgetItem("(no task)")
        none.setData(ROLE_ID, "")
        self.tasks.addItem(none)
        for t in project.tasks:
            status = self.task_status.get(t.id)
            label = t.name + ("  ✓ done" if status == DONE else "")
            item = QListWidgetItem(label)
            item.setData(ROLE_ID, t.id)
            self.tasks.addItem(item)
            if project.id == self.current[0] and t.id == self.current[1]:
                self.tasks.setCurrentItem(item)
        if project.id == self.current[0] and self.current[1] is None:
            self.tasks.setCurrentItem(none)
        self.done_button.setVisible(any(t.id in self.task_status for t in project.tasks))
        self._done_enabled()

    def _done_enabled(self) -> None:
        item = self.tasks.currentItem()
        tid = item.data(ROLE_ID) if item is not None else ""
        self.done_button.setEnabled(bool(tid) and self.task_status.get(tid) not in (None, DONE))

    def _move(self, step: int) -> None:
        rows = [i for i in range(self.list.count()) if self.list.item(i).data(ROLE_ID)]
        if not rows:
            return
        cur = self.list.currentRow()
        after = [r for r in rows if (r > cur if step > 0 else r < cur)]
        target = (after[0] if step > 0 else after[-1]) if after else cur
        if target in rows:
            self.list.setCurrentRow(target)
            self._fill_tasks()

    def _pick(self) -> None:
        project = self._selected_project()
        if project is None:
            return
        if project.id != self.current[0]:
            self.chosen.emit(project.id, None)
        self._fill_tasks()

    def _pick_and_start(self) -> None:
        self._pick()
        if self._selected_project() is not None:
            self.start_requested.emit()

    def _pick_task(self) -> None:
        project = self._selected_project()
        item = self.tasks.currentItem()
        if project is None or item is None:
            return
        self.chosen.emit(project.id, item.data(ROLE_ID) or None)

    def _mark_done(self) -> None:
        project = self._selected_project()
        item = self.tasks.currentItem()
        if project is not None and item is not None and item.data(ROLE_ID):
            self.mark_done.emit(project.id, item.data(ROLE_ID))
