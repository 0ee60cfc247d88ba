"""A real Chromium (Debian's `chromium` and `chromium-driver`) driven by selenium, headless.

scripts/test.sh installs both packages when they are missing; nothing is downloaded at run time (the
driver's path is given, so selenium's own driver manager never looks for one).
"""

from __future__ import annotations

import os
import shutil

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = os.environ.get("HOTLINE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("HOTLINE_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")


def chromium(width: int = 1280, height: int = 900) -> webdriver.Chrome:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(path):
            raise RuntimeError(f"{path} is missing: apt-get install chromium chromium-driver (scripts/test.sh does)")
    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={width},{height}",
        "--lang=zh-CN",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
