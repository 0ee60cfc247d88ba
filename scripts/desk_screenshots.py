"""Screenshots of the staff desk's pages for the README (docs/desk-*.png), taken in a real Chromium.

    python scripts/desk_screenshots.py

Builds a throwaway demo (a temporary SQLite database with the demo people, two callers waiting, a
callback asked for), serves the app on a free loopback port with the loopback Twilio behind it, signs in
as the demo supervisor and photographs each page. Needs Redis on 127.0.0.1:6379 (scripts/services.sh)
and Debian's chromium and chromium-driver.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from hotline.clock import CHINA, FixedClock  # noqa: E402
from hotline.config import Settings  # noqa: E402
from hotline.db.migrate import upgrade  # noqa: E402
from hotline.demo import cast  # noqa: E402
from hotline.demo.fill import fill_database  # noqa: E402
from hotline.factory import create_app  # noqa: E402
from hotline.runtime import Runtime  # noqa: E402
from hotline.sandbox.loopback_twilio import Loopback  # noqa: E402
from hotline.services.identity import identify  # noqa: E402
from tests.desk.browser import chromium  # noqa: E402
from tests.desk.world import browser_sign_in, line, served  # noqa: E402

NOW = datetime(2026, 11, 24, 10, 30, tzinfo=CHINA)  # a working Tuesday, in office hours
ANNOUNCEMENT = "12月每周六、周日8时至18时，环岛路部分路段禁止机动车通行，请绕行。"
PAGES = [
    ("agent", "/desk"),
    ("supervisor", "/desk/supervisor"),
    ("menu", "/desk/menu"),
    ("announcement", "/desk/announcement"),
    ("audit", "/desk/audit"),
]


def world(rt: Runtime) -> None:
    fill_database(rt, people=20, seed=12123, now=NOW - timedelta(hours=2))
    with rt.transaction(read_only=True) as session:
        lin = identify(session, cast.LIN_PHONE)[0]
        english = identify(session, cast.ENGLISH_PHONE)[0]
    line(rt, NOW, lin, callback_number=cast.ENGLISH_PHONE, callback_party=english, callback_language="en",
         callback_asked=timedelta(minutes=20))


def main() -> None:
    out = ROOT / "docs"
    twilio = Loopback(callbacks=False).start()
    with tempfile.TemporaryDirectory() as folder:

        def make_app(public_url: str):
            settings = Settings(
                database_url=f"sqlite:///{folder}/desk.db",
                public_url=public_url,
                rq_queue_prefix=f"desk-shots-{public_url.rsplit(':', 1)[1]}",
                twilio_api_url=twilio.url,
                log_json=False,
            )
            upgrade(settings.database_url)
            return create_app(settings, clock=FixedClock(NOW))

        browser = None
        try:
            with served(make_app) as app:
                rt = app.extensions["hotline"]
                world(rt)
                with app.app_context():
                    from hotline.cli.demo import _desk_logins

                    print(_desk_logins(rt))
                browser = chromium(1280, 1000)
                base = rt.settings.public_url
                browser.get(base + "/desk/login")
                name, _, password = cast.DESK_STAFF[1]
                browser_sign_in(browser, name, password)
                browser.find_element("id", "take-next").click()  # the caller's context, as an agent sees it
                for page, path in PAGES:
                    if page != "agent":
                        browser.get(base + path)
                    if page == "announcement":  # what a supervisor checks before sending
                        browser.find_element("id", "area").send_keys("350200")
                        browser.find_element("id", "title").send_keys("环岛路周末交通管制")
                        browser.find_element("id", "text").send_keys(ANNOUNCEMENT)
                        browser.find_element("id", "preview").click()
                    if page == "menu":
                        # a diagram that never draws stops the script rather than leaving a blank picture
                        WebDriverWait(browser, 10).until(
                            lambda b: b.execute_script("return document.body.dataset.diagram") == "drawn"
                        )
                    height = browser.execute_script("return document.body.scrollHeight")
                    browser.set_window_size(1280, min(max(height + 160, 800), 5000))
                    browser.save_screenshot(str(out / f"desk-{page}.png"))
                    print(f"docs/desk-{page}.png")
        finally:
            if browser is not None:
                browser.quit()
            twilio.stop()


if __name__ == "__main__":
    main()
