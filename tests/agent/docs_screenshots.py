"""Pictures of the real windows for docs/agent.md, light and dark:

    xvfb-run -s "-screen 0 1280x900x24" .venv/bin/python -m tests.agent.docs_screenshots docs/images

Runs the windows on the X display (xcb) with a demo agent (a fake clock, a
few projects, a morning already tracked) and saves QWidget.grab() of each.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agent.core.clock import FakeClock
from agent.core.idle import IdlePeriod
from shared.schemas import ActiveProject, TaskOut, TrackingPolicy

PROJECTS = [
    ActiveProject(
        id="11111111-1111-1111-1111-111111111111",
        name="Website relaunch",
        tasks=[
            TaskOut(id="31111111-1111-1111-1111-111111111111", project_id="1", name="Blog"),
            TaskOut(id="32222222-1111-1111-1111-111111111111", project_id="1", name="Landing page"),
        ],
    ),
    ActiveProject(id="22222222-2222-2222-2222-222222222222", name="Internal"),
    ActiveProject(id="33333333-3333-3333-3333-333333333333", name="Mobile app"),
    ActiveProject(id="44444444-4444-4444-4444-444444444444", name="Customer support"),
    ActiveProject(id="55555555-5555-5555-5555-555555555555", name="Onboarding"),
]


def _agent(data: Path):  # type: ignore[no-untyped-def]
    from agent.core.agent import Agent

    clock = FakeClock(datetime(2026, 1, 15, 8, 0, tzinfo=UTC))
    agent = Agent(data, clock=clock, rng=random.Random(3))
    agent.projects = PROJECTS
    agent.apply_policy(TrackingPolicy(blur_level=1, screenshot_interval_seconds=600))
    agent.settings.email = "maria@acme.example"
    agent.settings.server_url = "https://time.acme.example"
    # Monday and this morning already tracked; now on the website's blog.
    clock.set_wall(-3 * 86400)
    agent.start_tracking(PROJECTS[3].id)
    clock.advance(6 * 3600)
    agent.stop()
    clock.set_wall(3 * 86400 - 6 * 3600)
    agent.start_tracking(PROJECTS[2].id)
    clock.advance(5400)
    agent.stop()
    agent.start_tracking(PROJECTS[0].id, PROJECTS[0].tasks[0].id)
    agent.set_note("Draft the release post for 2.1")
    clock.advance(42 * 60 + 17)
    return agent, clock


def main(out: Path) -> int:
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from PySide6.QtWidgets import QApplication

    from agent.ui import theme
    from agent.ui.features import ServerExtras
    from agent.ui.idle import IdleDialog
    from agent.ui.prefs import UiPrefs
    from agent.ui.signin import SignInDialog
    from agent.ui.timer import TimerWindow

    app = QApplication(sys.argv[:1])
    app.setApplicationName("Hubnity")
    out.mkdir(parents=True, exist_ok=True)
    for mode in ("light", "dark"):
        os.environ["HUBNITY_THEME"] = mode
        theme.apply(app)
        data = Path(tempfile.mkdtemp(prefix="hubnity-shots-"))
        agent, clock = _agent(data)
        snap = agent.snapshot()
        snap.signed_in, snap.online = True, True
        snap.last_sync_at = clock.now() - timedelta(minutes=3)
        timer = TimerWindow(agent, UiPrefs())
        timer.extras = ServerExtras(weekly_limit_seconds=40 * 3600)
        timer.present()
        timer.resize(420, 640)
        timer.refresh(snap)
        timer.note.setText(agent.tracker.description or "")
        signin = SignInDialog(agent)
        signin.server.setText("https://time.acme.example")
        signin.email.setText("maria@acme.example")
        signin.password.setText("wrong password")
        signin.error.setText("Wrong email or password.")
        signin.show()
        now = clock.now()
        idle = IdleDialog(agent, IdlePeriod(now - timedelta(minutes=27), now, "k"))
        idle.show()
        for _ in range(20):
            app.processEvents()
        for name, widget in (("timer", timer), ("signin", signin), ("idle", idle)):
            widget.grab().save(str(out / f"agent-{name}-{mode}.png"))
        for widget in (timer, signin, idle):
            widget.close()
            widget.deleteLater()
        app.processEvents()
        agent.shutdown()
    app.quit()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images")))
