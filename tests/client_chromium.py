"""Drives the base64 demo in headless Chromium through chromedriver's
WebDriver HTTP API, with nothing but the Python standard library.

usage: client_chromium.py CHROMEDRIVER CHROMIUM BASE_URL TEXT SCREENSHOT.png

Prints one line per observation (read by tests/client_chromium.rs):
  FRONT_TITLE <title>       FRONT_TEXT <body text>
  RESULT_URL <url>          TT <text of each <tt>, in order>
  HOME_URL <url after following the "Return to the home page" link>
  SCREENSHOT <path>
Exits non-zero with a message on stderr when something fails.
"""

import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
DEADLINE = time.monotonic() + 45  # the whole run; the Rust side kills us at 60 s


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.session = None

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        timeout = max(1.0, DEADLINE - time.monotonic())
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read().decode() or "{}").get("value")
        except urllib.error.HTTPError as err:
            raise SystemExit(f"webdriver {method} {path} -> {err.code}: {err.read()[:500]!r}")

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def find(self, css):
        return self.s("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def find_all(self, css):
        found = self.s("POST", "/elements", {"using": "css selector", "value": css})
        return [e[ELEMENT] for e in found]

    def text(self, element):
        return self.s("GET", f"/element/{element}/text")

    def wait_url(self, part):
        while time.monotonic() < DEADLINE:
            url = self.s("GET", "/url")
            if part in url and self.s("POST", "/execute/sync", {
                "script": "return document.readyState", "args": []}) == "complete":
                return url
            time.sleep(0.1)
        raise SystemExit(f"timed out waiting for a URL containing {part!r}")


@contextlib.contextmanager
def browser(chromedriver, chromium, extra_args=(), accept_insecure_certs=False):
    """Starts chromedriver on a free port and a headless Chromium session
    with a fresh profile; yields the Driver; ends both and removes the
    profile afterwards."""
    port = free_port()
    profile = tempfile.mkdtemp(prefix="rgi-chromium-")
    log = open(os.path.join(profile, "chromedriver.log"), "wb")
    proc = subprocess.Popen(
        [chromedriver, f"--port={port}", "--allowed-ips=127.0.0.1"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    driver = Driver(port)
    try:
        while True:  # wait until chromedriver answers
            try:
                if driver.call("GET", "/status").get("ready"):
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > DEADLINE or proc.poll() is not None:
                raise SystemExit("chromedriver did not start")
            time.sleep(0.1)
        args = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", *extra_args,
            f"--user-data-dir={profile}/profile",
        ]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
            # rgi-hyper's HTTPS test serves a self-signed certificate it made.
            "acceptInsecureCerts": accept_insecure_certs,
        }}}
        driver.session = driver.call("POST", "/session", caps)["sessionId"]
        yield driver
    finally:
        if driver.session:
            try:
                driver.s("DELETE", "")
            except BaseException:
                pass
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(profile, ignore_errors=True)


def main():
    chromedriver, chromium, base_url, text, screenshot = sys.argv[1:6]
    https = base_url.startswith("https:")
    with browser(chromedriver, chromium, ["--window-size=900,500"], https) as driver:
        driver.s("POST", "/url", {"url": base_url + "/"})
        driver.wait_url("/")
        print("FRONT_TITLE", driver.s("GET", "/title"))
        print("PROTOCOL", driver.s("POST", "/execute/sync", {
            "script": "return performance.getEntriesByType('navigation')[0].nextHopProtocol",
            "args": []}))
        print("FRONT_TEXT", driver.text(driver.find("body")).replace("\n", " "))
        driver.s("POST", f"/element/{driver.find('input[name=mystring]')}/value", {"text": text})
        driver.s("POST", f"/element/{driver.find('input[type=submit]')}/click", {})
        print("RESULT_URL", driver.wait_url("/encode"))
        for tt in driver.find_all("tt"):
            print("TT", driver.text(tt))
        png = base64.b64decode(driver.s("GET", "/screenshot"))
        with open(screenshot, "wb") as f:
            f.write(png)
        print("SCREENSHOT", screenshot)
        link = driver.s("POST", "/element", {"using": "link text", "value": "Return to the home page"})
        driver.s("POST", f"/element/{link[ELEMENT]}/click", {})
        while time.monotonic() < DEADLINE:
            url = driver.s("GET", "/url")
            if "/encode" not in url:
                break
            time.sleep(0.1)
        print("HOME_URL", url)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
