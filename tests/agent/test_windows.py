"""Sign-in, idle, sleep, parked items, settings and screenshots windows
(pytest-qt, offscreen), and the tray icon's shapes."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from agent.core.tracker import State
from agent.ui.prefs import UiPrefs
from shared.schemas import TrackingPolicy
from tests.agent.conftest import P1, P2


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes]] = {}

    def do_GET(self) -> None:
        status, body = self.routes.get(self.path, (404, b"not here"))
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def web() -> Iterator[tuple[str, type[_Handler]]]:
    """A real HTTP server that is not Hubnity (a company web site, say)."""

    class Handler(_Handler):
        routes = {"/health": (200, b"<html>fine</html>")}

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", Handler
    srv.shutdown()


@pytest.fixture
def signin(qtbot, ui_agent):
    from agent.ui.signin import SignInDialog

    opened: list[str] = []
    dlg = SignInDialog(ui_agent, open_url=lambda url: opened.append(url.toString()))
    dlg.opened = opened  # type: ignore[attr-defined]
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def test_sign_in_window_is_branded_and_wide_enough_for_real_urls(signin) -> None:
    assert "Hubnity" in signin.windowTitle()
    assert not signin.windowIcon().isNull()
    url = "https://hubnity.example.com"
    assert signin.server.width() > signin.server.fontMetrics().horizontalAdvance(url)
    assert signin.width() >= 520


def test_sign_in_validates_the_address(signin, qtbot) -> None:
    signin.server.setText("ftp://files.example.com")
    assert not signin.check_server_text()
    assert "https://" in signin.server_note.text()
    signin.server.setText("http://hubnity.example.com")
    assert signin.check_server_text()
    assert "not encrypted" in signin.server_note.text()
    signin.server.setText("hubnity.example.com")
    assert signin.check_server_text() and signin.server_note.text() == ""
    signin.server.setText("")
    signin.email.setText("me@example.com")
    signin.password.setText("x")
    signin.submit()
    assert signin.error.text() == "Fill in the server address."


def test_sign_in_says_when_the_address_is_not_a_hubnity_server(signin, web, qtbot) -> None:
    url, _handler = web
    signin.server.setText(url)
    signin.email.setText("me@example.com")
    signin.password.setText("secret secret")
    signin.submit()
    qtbot.waitUntil(lambda: "not a Hubnity server" in signin.error.text(), timeout=10000)
    assert signin.submit_button.isEnabled()


def test_sign_in_says_when_the_server_is_down(signin, qtbot) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    signin.server.setText(f"http://127.0.0.1:{port}")
    signin.email.setText("me@example.com")
    signin.password.setText("secret secret")
    qtbot.keyClick(signin.password, Qt.Key.Key_Return)  # Enter signs in
    qtbot.waitUntil(lambda: "Cannot reach the server" in signin.error.text(), timeout=10000)


def test_forgot_password_opens_the_servers_reset_page_or_says_there_is_none(
    signin, web, qtbot
) -> None:
    url, handler = web
    signin.server.setText(url)
    signin.forgot.click()
    qtbot.waitUntil(lambda: "no page to reset" in signin.error.text(), timeout=10000)
    assert signin.opened == []
    handler.routes["/forgot"] = (200, b"<form>reset</form>")
    signin.forgot.click()
    qtbot.waitUntil(lambda: signin.opened == [url + "/forgot"], timeout=10000)


def test_sign_in_messages_for_each_failure() -> None:
    import ssl

    import httpx

    from agent.core.api import NetworkError, Rejected, ServerBusy
    from agent.ui.server_check import explain

    assert explain(Rejected("wrong email or password", 401)) == "Wrong email or password."
    locked = ServerBusy("server busy (429): too many failed sign-ins for this account", 429, 600)
    assert "account is locked" in explain(locked) and "10 min" in explain(locked)
    assert "from this computer" in explain(ServerBusy("server busy (429): slow down", 429, 30))
    assert "locked or deactivated" in explain(Rejected("account locked", 423))
    try:
        try:
            raise ssl.SSLCertVerificationError(
                1, "[SSL: CERTIFICATE_VERIFY_FAILED] self-signed certificate"
            )
        except ssl.SSLError as inner:
            raise httpx.ConnectError(str(inner)) from inner
    except httpx.ConnectError as transport:
        try:
            raise NetworkError("cannot reach https://x: ConnectError") from transport
        except NetworkError as exc:
            cert = exc
    assert "certificate is not trusted" in explain(cert)
    assert "Cannot reach" in explain(NetworkError("cannot reach"))
    assert "having trouble" in explain(ServerBusy("server busy (502)", 502, None))


def _idle_for(agent, clock, seconds: int) -> None:
    for _ in range(seconds):
        clock.advance(1)
        agent.tick()
    agent.counter.key()  # back
    agent.tick()


def test_idle_dialog_says_how_long_and_reassigns(qtbot, ui_agent, clock) -> None:
    from agent.ui.idle import IdleDialog

    ui_agent.apply_policy(TrackingPolicy(idle_timeout_seconds=300))
    ui_agent.start_tracking(P1)
    _idle_for(ui_agent, clock, 1500)
    period = ui_agent.idle_pending
    assert period is not None
    dlg = IdleDialog(ui_agent, period)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.title.text() == "You were away for 25 min"
    assert "while tracking Website" in dlg.text.text()
    dlg.projects.setCurrentIndex(dlg.projects.findText("Internal"))
    dlg.reassign.click()
    assert ui_agent.idle_pending is None
    entries = ui_agent.outbox.all_entries()
    moved = [e for e in entries if e.project_id == P2]
    assert len(moved) == 1 and 1490 <= moved[0].seconds(clock.now()) <= 1500
    assert ui_agent.tracker.state is State.RUNNING and ui_agent.tracker.project_id == P1


def test_idle_dialog_keyboard_keep(qtbot, ui_agent, clock) -> None:
    from agent.ui.idle import IdleDialog

    ui_agent.apply_policy(TrackingPolicy(idle_timeout_seconds=300))
    ui_agent.start_tracking(P1)
    _idle_for(ui_agent, clock, 400)
    dlg = IdleDialog(ui_agent, ui_agent.idle_pending)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClick(dlg, Qt.Key.Key_Return)  # the default: keep
    assert ui_agent.idle_pending is None
    assert sum(e.seconds(clock.now()) for e in ui_agent.outbox.all_entries()) == 400


def test_after_a_long_sleep_the_tray_offers_to_resume(qtbot, ui_agent, clock) -> None:
    from PySide6.QtWidgets import QApplication

    from agent.ui.idle import SleepDialog
    from agent.ui.tray import TrayController

    ui_agent.apply_policy(TrackingPolicy(idle_timeout_seconds=300))
    tray = TrayController(ui_agent, QApplication.instance(), lambda: None)
    try:
        ui_agent.start_tracking(P1)
        clock.advance(1)
        ui_agent.tick()
        clock.suspend(3600)
        clock.advance(1)
        ui_agent.tick()
        assert ui_agent.tracker.state is State.STOPPED
        tray.refresh()
        dlg = tray.windows["sleep"]
        assert isinstance(dlg, SleepDialog)
        qtbot.addWidget(dlg)
        dlg.resume.click()
        assert ui_agent.tracker.state is State.RUNNING
        assert ui_agent.tracker.project_id == P1
    finally:
        tray.timer.stop()
        tray.tray.hide()


def _park_one(agent, clock, reason: str = "unknown_project") -> str:
    agent.start_tracking(P1)
    for _ in range(600):
        clock.advance(1)
        agent.counter.key()
        agent.tick()
    agent.stop()
    (entry,) = agent.outbox.all_entries()
    agent.outbox.park_entry(entry.key, entry.revision, reason, "project is archived")
    return entry.key


def test_parked_list_explains_and_moves_an_entry_to_another_project(qtbot, ui_agent, clock):
    from agent.ui.parked import ParkedDialog

    key = _park_one(ui_agent, clock)
    assert ui_agent.outbox.depth().parked >= 1
    dlg = ParkedDialog(ui_agent)
    qtbot.addWidget(dlg)
    assert dlg.list.count() == 1
    assert "no longer exists or was archived" in dlg.list.item(0).text()
    assert "10 min" in dlg.list.item(0).text()
    dlg.projects.setCurrentIndex(dlg.projects.findText("Internal"))
    dlg.move_button.click()
    entry = ui_agent.outbox.get_entry(key)
    assert entry.project_id == P2
    depth = ui_agent.outbox.depth()
    assert depth.parked == 0 and depth.entries == 1 and depth.activity >= 1  # sent again
    assert dlg.list.count() == 0 and dlg.empty.isVisibleTo(dlg)


def test_parked_entry_discarded(qtbot, ui_agent, clock) -> None:
    from agent.ui.parked import ParkedDialog

    _park_one(ui_agent, clock, "overlap")
    dlg = ParkedDialog(ui_agent)
    qtbot.addWidget(dlg)
    assert "overlaps time already on the server" in dlg.list.item(0).text()
    dlg.discard_selected(confirm=False)
    depth = ui_agent.outbox.depth()
    assert depth.parked == 0 and depth.total == 0


def test_settings_start_at_login_reminder_and_what_is_collected(qtbot, ui_agent, tmp_path):
    from agent.platform.autostart import LinuxAutostart
    from agent.ui.settings import SettingsDialog

    system = tmp_path / "xdg"
    system.mkdir()
    (system / "hubnity-agent.desktop").write_text("[Desktop Entry]\nExec=hubnity-agent\n")
    auto = LinuxAutostart(config_home=tmp_path / "home", system_dir=system)
    ui_agent.apply_policy(TrackingPolicy(blur_level=2, screenshot_interval_seconds=1200))
    dlg = SettingsDialog(ui_agent, UiPrefs.load(ui_agent.data_dir), auto)
    qtbot.addWidget(dlg)
    assert dlg.start_at_login.isChecked()  # the installer's entry
    shots = dlg.collected_labels["Screenshots"].text()
    assert "every 20 minutes" in shots and "blurred" in shots and "on this computer" in shots
    assert "never recorded" in dlg.collected_labels["Activity"].text()
    apps = dlg.collected_labels["Apps and websites"].text()
    assert "name of the program in front" in apps and "Not the window titles" in apps
    assert "(" in dlg.locale_label.text()  # the system locale's name
    dlg.start_at_login.setChecked(False)
    dlg.remind.setChecked(True)
    dlg.remind_after.setValue(30)
    dlg.save()
    assert not auto.enabled()
    assert "Hidden=true" in auto.user_file.read_text()
    prefs = UiPrefs.load(ui_agent.data_dir)
    assert prefs.remind_not_tracking and prefs.remind_after_minutes == 30
    dlg2 = SettingsDialog(ui_agent, prefs, auto)
    qtbot.addWidget(dlg2)
    dlg2.start_at_login.setChecked(True)
    dlg2.save()
    assert auto.enabled() and not auto.user_file.exists()


def test_autostart_without_an_installer_entry(tmp_path: Path) -> None:
    from agent.platform.autostart import LinuxAutostart, MacAutostart

    auto = LinuxAutostart(config_home=tmp_path / "home", system_dir=tmp_path / "none")
    assert not auto.enabled()
    auto.set(True)
    assert auto.enabled() and "Exec=" in auto.user_file.read_text()
    auto.set(False)
    assert not auto.enabled()
    mac = MacAutostart(home=tmp_path)
    mac.set(True)
    assert mac.enabled() and b"com.hubnity.agent" in mac.plist.read_bytes()
    mac.set(False)
    assert not mac.enabled()


def test_screenshots_window_confirms_and_says_when_too_late(qtbot, ui_agent, clock) -> None:
    from agent.ui.screenshots import ScreenshotsWindow

    ui_agent.apply_policy(
        TrackingPolicy(
            allow_screenshot_delete=True, screenshot_delete_window_minutes=10, blur_level=1
        )
    )
    ui_agent.start_tracking(P1)
    ui_agent.capture_now()
    answers = [False]
    win = ScreenshotsWindow(ui_agent, confirm=lambda _p, _t: answers[0])
    qtbot.addWidget(win)
    (key,) = win.delete_buttons
    win.delete_buttons[key].click()
    assert ui_agent.outbox.get_screenshot(key).state == "waiting"  # said no
    clock.advance(11 * 60)
    win.refresh()
    assert win.delete_buttons == {}
    assert "can no longer be deleted" in win.notes[key]
    ui_agent.capture_now()
    win.refresh()
    (fresh,) = win.delete_buttons
    answers[0] = True
    win.delete_buttons[fresh].click()
    assert ui_agent.outbox.get_screenshot(fresh).state == "deleted"
    captions = [w.text() for w in win.findChildren(type(win.header))]
    assert any("lightly blurred" in t and "not uploaded yet" in t for t in captions)


def test_tray_states_differ_in_shape_not_only_colour(qtbot) -> None:
    from PySide6.QtGui import QImage

    from agent.ui.icons import TrayState, icon_for

    shapes = {}
    for state in TrayState:
        img = (
            icon_for(state)
            .pixmap(32, 32)
            .toImage()
            .convertToFormat(QImage.Format.Format_Grayscale8)
        )
        alpha = icon_for(state).pixmap(32, 32).toImage()
        mask = tuple(alpha.pixelColor(x, y).alpha() > 128 for x in range(32) for y in range(32))
        grey = tuple(img.pixelColor(x, y).lightness() > 160 for x in range(32) for y in range(32))
        shapes[state] = tuple(m and g for m, g in zip(mask, grey, strict=True)), mask
    for a in TrayState:
        for b in TrayState:
            if a is not b:
                assert shapes[a] != shapes[b], (a, b)
    assert len({m for _, m in shapes.values()}) >= 3  # outlines: disc, ring, triangle


def test_tray_click_opens_the_timer_and_idle_state_shows(qtbot, ui_agent, clock) -> None:
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    from agent.ui.icons import TrayState
    from agent.ui.tray import TrayController

    tray = TrayController(ui_agent, QApplication.instance(), lambda: None)
    try:
        tray._activated(QSystemTrayIcon.ActivationReason.Trigger)
        assert tray.timer_window is not None and tray.timer_window.isVisible()
        qtbot.addWidget(tray.timer_window)
        tray.timer_window.toggle.click()
        assert ui_agent.tracker.state is State.RUNNING
        ui_agent.apply_policy(TrackingPolicy(idle_timeout_seconds=120))
        for _ in range(130):
            clock.advance(1)
            ui_agent.tick()
        tray.refresh()
        assert tray.tray_state is TrayState.IDLE
        tray.timer_window.refresh(ui_agent.snapshot())
        assert "no input since" in tray.timer_window.what.text()
        tray._activated(QSystemTrayIcon.ActivationReason.Trigger)
        assert not tray.timer_window.isVisible()
    finally:
        tray.timer.stop()
        tray.tray.hide()
