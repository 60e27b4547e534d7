"""Headless Chromium's WebSocket against rgi-web's chat example: opens the
room page, waits for its socket to open, sends a message through the form
and waits until the server's broadcast shows it in the page's log.

usage: client_chromium_chat.py CHROMEDRIVER CHROMIUM ADDR MESSAGE
Prints "LOG <messages shown, one JSON list>"; exits non-zero on failure.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests"))
from client_chromium import DEADLINE, browser  # noqa: E402


def script(driver, code):
    return driver.s("POST", "/execute/sync", {"script": code, "args": []})


def main():
    chromedriver, chromium, addr, message = sys.argv[1:5]
    with browser(chromedriver, chromium) as driver:
        driver.s("POST", "/url", {"url": f"http://{addr}/room/browser"})
        driver.wait_url("/room/browser")
        while not script(driver, "return window.chatOpen === true"):
            if time.monotonic() > DEADLINE:
                raise SystemExit("the page's WebSocket never opened")
            time.sleep(0.05)
        print("OPEN", flush=True)
        # Give the Rust side's listener time to be counted in the room.
        time.sleep(0.3)
        driver.s("POST", f"/element/{driver.find('#text')}/value", {"text": message})
        driver.s("POST", f"/element/{driver.find('button')}/click", {})
        shown = []
        while message not in shown:
            if time.monotonic() > DEADLINE:
                raise SystemExit(f"the broadcast never reached the page: {shown!r}")
            time.sleep(0.05)
            shown = script(driver, "return [...document.querySelectorAll('#log li')].map(l => l.textContent)")
        print("LOG", json.dumps(shown), flush=True)


if __name__ == "__main__":
    main()
