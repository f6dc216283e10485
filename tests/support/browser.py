"""Headless Chromium for scv's HTML pages: load a page as a person would, and see what it did.

A visit records every console error and every request the page made; a page that works offline
makes no request but for itself (inline CSS, inline SVG, data: URIs). Chromium and chromedriver
are Debian's packages (`make chromium` installs them); selenium only drives them, it downloads
nothing.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scv.core.errors import ScvError


@dataclass
class Visit:
    url: str
    title: str = ""
    text: str = ""  # what a person reads on the page
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def outside(self) -> list[str]:
        """Requests for anything but the page itself (data: URIs are inside the page)."""
        return [u for u in self.requests if u != self.url and not u.startswith("data:")]


def _tools() -> tuple[str, str]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        raise ScvError("chromium and chromedriver are needed for this: `make chromium` installs them")
    return chromium, driver


def spki_sha256(certificate: Path) -> str:
    """base64 sha256 of a certificate's public key: what Chromium pins a trusted key by."""
    import base64
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    cert = x509.load_pem_x509_certificate(certificate.read_bytes())
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 900, trust: Path | None = None) -> Iterator[Browser]:
    """Headless Chromium; `trust`: a self-signed certificate to accept (the local sites'), and no other."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _tools()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",  # the tests and CI run as root, where Chromium's sandbox cannot start
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        "--no-first-run",
        "--disable-background-networking",  # no update or safe-browsing pings in the request log
        "--disable-component-update",
    ):
        options.add_argument(arg)
    if trust is not None:
        options.add_argument(f"--ignore-certificate-errors-spki-list={spki_sha256(trust)}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        yield Browser(driver, width)
    finally:
        driver.quit()


class Browser:
    def __init__(self, driver, width: int):
        self.driver = driver
        self.width = width

    def visit(self, url: str, screenshot: Path | None = None) -> Visit:
        self.driver.get_log("performance")  # forget what earlier visits did
        self.driver.get_log("browser")
        self.driver.get(url)
        visit = Visit(
            url=url, title=self.driver.title, text=self.driver.find_element("tag name", "body").text
        )
        for entry in self.driver.get_log("browser"):
            if entry["level"] == "SEVERE":
                visit.console_errors.append(entry["message"])
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                visit.requests.append(message["params"]["request"]["url"])
        if screenshot is not None:
            self._screenshot(screenshot)
        return visit

    def _screenshot(self, path: Path) -> None:
        """The whole page, not only the window: the viewport is stretched to the content first."""
        import base64

        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": int(size["height"]), "deviceScaleFactor": 1, "mobile": False},
        )
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
