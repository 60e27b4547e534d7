"""Checks in headless Chromium the cookie attributes that browsers enforce
(HttpOnly, Path, SameSite) on cookies set by an rgi-web application, through
chromedriver's WebDriver HTTP API with nothing but the Python standard
library. The WebDriver client (Driver, free_port) is the one of the base64
browser test, tests/client_chromium.py.

usage: client_chromium_cookies.py CHROMEDRIVER CHROMIUM PORT

The application listens on 127.0.0.1:PORT; "localhost:PORT" is the same
server seen as another site. Prints one line per observation (read by
web/tests/client_chromium.rs), the value after one space:
  SHOW_SERVER <Cookie header at /show>     SHOW_JS <document.cookie at /show>
  APP_SERVER  <Cookie header at /app/show> APP_JS  <document.cookie there>
  IMG  <Cookie header of an image request from the other site>
  LINK <Cookie header of a link followed from the other site>
Exits non-zero with a message on stderr when something fails.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests"))
from client_chromium import DEADLINE, Driver, free_port  # noqa: E402


def text_of(driver, css):
    return driver.text(driver.find(css))


def recorded(base, via):
    """What the server recorded for `via`, polling until it has it."""
    while time.monotonic() < DEADLINE:
        try:
            with urllib.request.urlopen(f"{base}/recorded/{via}", timeout=5) as resp:
                return resp.read().decode()
        except urllib.error.HTTPError as err:
            if err.code != 404:
                raise
        time.sleep(0.1)
    raise SystemExit(f"the server never recorded {via!r}")


def observe(driver, port):
    site = f"http://127.0.0.1:{port}"
    other = f"http://localhost:{port}"
    driver.s("POST", "/url", {"url": site + "/set"})
    driver.wait_url("/set")
    for prefix, path in (("SHOW", "/show"), ("APP", "/app/show")):
        driver.s("POST", "/url", {"url": site + path})
        driver.wait_url(path)
        print(prefix + "_SERVER", text_of(driver, "#server"))
        print(prefix + "_JS", text_of(driver, "#js"))
    driver.s("POST", "/url", {"url": other + "/cross"})
    driver.wait_url("/cross")
    print("IMG", recorded(site, "img"))
    driver.s("POST", f"/element/{driver.find('#go')}/click", {})
    driver.wait_url("/record/link")
    print("LINK", text_of(driver, "#server"))
    sys.stdout.flush()


def main():
    chromedriver, chromium, port = sys.argv[1:4]
    driver_port = free_port()
    profile = tempfile.mkdtemp(prefix="rgi-web-chromium-")
    log = open(os.path.join(profile, "chromedriver.log"), "wb")
    proc = subprocess.Popen(
        [chromedriver, f"--port={driver_port}", "--allowed-ips=127.0.0.1"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    driver = Driver(driver_port)
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
            "--disable-dev-shm-usage", f"--user-data-dir={profile}/profile",
        ]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        }}}
        driver.session = driver.call("POST", "/session", caps)["sessionId"]
        observe(driver, port)
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


if __name__ == "__main__":
    main()
