"""Render the report in a real headless Chromium and say what it drew: no browser-automation package.

Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: JSON messages
separated by NUL bytes on file descriptors 3 and 4), so the only dependency is the browser itself
(Debian's `chromium`). `render` opens the page from a file: URL, records every console error,
uncaught exception, browser log error and any request leaving the file (the report must be offline),
waits for the charts, counts the marks (points, lines, bars, heat-map images) of every trace of every
chart, and saves a full-page screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# what Chromium needs on a closed network, headless, as root (see the README's "Checked in a browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--window-size=1400,1000",
]

# per chart: its traces, and how many marks each visible trace drew in the DOM
MARKS_JS = """
(() => {
  const charts = {};
  for (const panel of document.querySelectorAll('[data-chart]')) {
    const gd = panel.querySelector('.js-plotly-plot');
    const key = panel.dataset.chart;
    if (!gd || !gd._fullData) { charts[key] = {traces: 0, drawn: 0, marks: 0, rendered: false}; continue; }
    const marksByUid = {};
    for (const group of gd.querySelectorAll('g.trace, g.hm')) {
      const datum = group.__data__;
      const trace = Array.isArray(datum) ? (datum[0] && datum[0].trace) : (datum && datum.trace);
      if (!trace) continue;
      const marks = [...group.querySelectorAll('path, image, text')].filter(
        (e) => (e.tagName !== 'path' || (e.getAttribute('d') || '').length > 2)
          && (e.tagName !== 'text' || e.textContent.length > 0)).length
        + (group.tagName === 'image' ? 1 : 0);
      marksByUid[trace.uid] = (marksByUid[trace.uid] || 0) + marks;
    }
    const visible = gd._fullData.filter((t) => t.visible === true);
    const drawn = visible.filter((t) => (marksByUid[t.uid] || 0) > 0).length;
    const marks = Object.values(marksByUid).reduce((a, b) => a + b, 0);
    charts[key] = {traces: visible.length, drawn: drawn, marks: marks, rendered: true,
                   title: (gd.layout.title && gd.layout.title.text) || ''};
  }
  const nodata = [...document.querySelectorAll('[data-nodata]')].map((e) => e.dataset.nodata);
  return JSON.stringify({charts: charts, nodata: nodata});
})()
"""

READY_JS = """
new Promise((resolve) => {
  const started = Date.now();
  const check = () => {
    const plots = [...document.querySelectorAll('[data-chart] .js-plotly-plot')];
    if (plots.every((gd) => gd._fullLayout) || Date.now() - started > 20000) {
      requestAnimationFrame(() => requestAnimationFrame(() => resolve(plots.length)));
    } else { setTimeout(check, 50); }
  };
  check();
})
"""


@dataclass
class RenderResult:
    """What the browser saw: errors, per-chart mark counts, no-data panels, the screenshot."""

    errors: list[str] = field(default_factory=list)
    charts: dict[str, dict] = field(default_factory=dict)
    nodata: list[str] = field(default_factory=list)
    screenshot: Path | None = None
    browser: str = ""


def find_chromium() -> str | None:
    """Debian's `chromium` (or another Chromium-family binary) on PATH, or CHROMIUM_PATH."""
    if os.environ.get("CHROMIUM_PATH"):
        return os.environ["CHROMIUM_PATH"]
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _Pipe:
    """The DevTools protocol over Chromium's debugging pipe."""

    def __init__(self, write_fd: int, read_fd: int, timeout: float) -> None:
        self.write_fd, self.read_fd, self.timeout = write_fd, read_fd, timeout
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self.read_fd], [], [], remaining)
            if ready:
                chunk = os.read(self.read_fd, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the debugging pipe")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        request = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            request["sessionId"] = session
        os.write(self.write_fd, json.dumps(request).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._read_message(deadline)
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_event(self, method: str, session: str | None = None) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            for n, event in enumerate(self.events):
                if event.get("method") == method and (session is None or event.get("sessionId") == session):
                    return self.events.pop(n)
            self.events.append(self._read_message(deadline))


def _errors(events: list[dict]) -> list[str]:
    """Console errors, uncaught exceptions, browser log errors and requests that leave the page."""
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append(
                f"uncaught: {details.get('exception', {}).get('description') or details.get('text')}"
            )
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}".strip())
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if not url.startswith(("file:", "data:", "about:", "blob:")):
                errors.append(f"network request (the report must be offline): {url}")
    return errors


def render(
    page: Path,
    screenshot: Path,
    *,
    chromium: str | None = None,
    timeout: float = 90.0,
    band: tuple[float, float] | None = None,
) -> RenderResult:
    """Open `page` in headless Chromium, check what it drew and save a full-page PNG to `screenshot`
    (or only the horizontal `band` (top, height) of the page, in CSS pixels)."""
    binary = chromium or find_chromium()
    if not binary:
        raise FileNotFoundError("no Chromium found: `apt-get install chromium` (Debian) or set CHROMIUM_PATH")
    profile = tempfile.mkdtemp(prefix="audience-chromium-")
    to_browser_read, to_browser_write = os.pipe()
    from_browser_read, from_browser_write = os.pipe()
    command = [
        binary,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "--remote-debugging-pipe",
        "about:blank",
    ]
    # the browser reads commands on fd 3 and writes answers on fd 4
    shell = f'exec 3<&{to_browser_read} 4>&{from_browser_write}; exec "$@"'
    proc = subprocess.Popen(
        ["bash", "-c", shell, "chromium", *command],
        pass_fds=(to_browser_read, from_browser_write),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    os.close(to_browser_read)
    os.close(from_browser_write)
    cdp = _Pipe(to_browser_write, from_browser_read, timeout)
    result = RenderResult(browser=binary)
    try:
        result.browser = f"{binary} {cdp.call('Browser.getVersion').get('product', '')}"
        target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            cdp.call(f"{domain}.enable", session=session)
        cdp.call("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
        cdp.wait_event("Page.loadEventFired", session)
        cdp.call("Runtime.evaluate", {"expression": READY_JS, "awaitPromise": True}, session=session)
        found = cdp.call("Runtime.evaluate", {"expression": MARKS_JS, "returnByValue": True}, session=session)
        seen = json.loads(found["result"]["value"])
        result.charts, result.nodata = seen["charts"], seen["nodata"]
        size = cdp.call("Page.getLayoutMetrics", session=session)["cssContentSize"]
        shot = cdp.call(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {
                    "x": 0,
                    "y": band[0] if band else 0,
                    "width": size["width"],
                    "height": band[1] if band else size["height"],
                    "scale": 1,
                },
            },
            session=session,
        )
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        result.screenshot = screenshot
        time.sleep(0.2)  # let late console messages arrive before the errors are read
        try:
            cdp.call("Runtime.evaluate", {"expression": "1"}, session=session)
        finally:
            result.errors = _errors(cdp.events)
        cdp.call("Browser.close")
    finally:
        os.close(to_browser_write)
        os.close(from_browser_read)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
    return result
