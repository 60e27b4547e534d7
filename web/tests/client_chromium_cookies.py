"""Checks in headless Chromium the cookie attributes that browsers enforce
(HttpOnly, Path, SameSite) on cookies set by an rgi-web application, through
chromedriver's WebDriver HTTP API with nothing but the Python standard
library. The WebDriver client and the browser session are those of the
base64 browser test, tests/client_chromium.py.

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
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests"))
from client_chromium import DEADLINE, browser  # noqa: E402


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
    with browser(chromedriver, chromium) as driver:
        observe(driver, port)


if __name__ == "__main__":
    main()
