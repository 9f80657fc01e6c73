"""A headless Chromium for the browser tests, driven over the Chrome DevTools Protocol.

The few lines of WebSocket client below stand in for one the standard library lacks. `make
test` installs Chromium from Debian when it is missing, so these tests run in CI; the
`browser` fixture fails (not skips) where there is no Chromium to drive, unless
PASSERELLE_ALLOW_NO_BROWSER=1 says a skip is acceptable on this machine.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from server_fixtures import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class DevTools:
    """One page of a headless Chromium, driven over the DevTools Protocol."""

    def __init__(self, port: int):
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=5))
        url = next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"]
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        path = url.split(f":{port}", 1)[1]
        self.socket.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                            f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                            .encode())
        handshake = b""
        while b"\r\n\r\n" not in handshake:
            handshake += self.socket.recv(1)
        assert b" 101 " in handshake.split(b"\r\n")[0]
        self.events: list[dict] = []
        self.next_id = 0

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self._send({"id": self.next_id, "method": method, "params": params})
        while True:
            message = self._receive()
            if message.get("id") == self.next_id:
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression,
                         returnByValue=True)["result"].get("value")

    def wait_for(self, expression: str, limit: float = 15):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        return self.evaluate(expression)

    def _send(self, message: dict) -> None:
        data, mask = json.dumps(message).encode(), os.urandom(4)
        size = (bytes([0x80 | len(data)]) if len(data) < 126
                else bytes([0x80 | 126]) + len(data).to_bytes(2, "big"))
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))
        self.socket.sendall(bytes([0x81]) + size + mask + masked)

    def _receive(self) -> dict:
        _, size = self._exactly(2)
        size &= 0x7F
        if size == 126:
            size = int.from_bytes(self._exactly(2), "big")
        elif size == 127:
            size = int.from_bytes(self._exactly(8), "big")
        return json.loads(self._exactly(size))

    def _exactly(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.socket.recv(count - len(data))
            if not chunk:
                raise ConnectionError("Chromium closed the DevTools connection")
            data += chunk
        return data


@pytest.fixture
def browser(tmp_path):
    """One fresh headless Chromium page; killed after the test."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("PASSERELLE_ALLOW_NO_BROWSER") == "1":
            pytest.skip("no Chromium to drive (PASSERELLE_ALLOW_NO_BROWSER=1)")
        pytest.fail("no Chromium at /usr/bin/chromium: `make test` installs it (apt-get)")
    port = free_port()
    chromium = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         f"--remote-debugging-port={port}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield connect(port)
    finally:
        chromium.kill()
        chromium.wait()


def connect(port: int, limit: float = 20) -> DevTools:
    """The DevTools connection, once Chromium listens."""
    deadline = time.monotonic() + limit
    while True:
        try:
            return DevTools(port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def open_page(browser: DevTools, url: str) -> None:
    """Record console, log and page events, then load url and wait until it has loaded."""
    for domain in ("Runtime", "Log", "Page"):
        browser.call(f"{domain}.enable")
    browser.call("Page.navigate", url=url)
    assert browser.wait_for("document.readyState === 'complete'")


def console_problems(events: list[dict]) -> list[str]:
    """Console errors, uncaught exceptions and CSP violations among the recorded events.

    Enable the Runtime and Log domains before navigating, so that they are recorded."""
    problems = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Log.entryAdded" and params["entry"]["level"] == "error":
            problems.append(f"{params['entry']['source']}: {params['entry']['text']}")
        elif method == "Runtime.exceptionThrown":
            problems.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            problems.append("console.error: " + " ".join(
                str(arg.get("value", arg.get("description"))) for arg in params["args"]))
    return problems
