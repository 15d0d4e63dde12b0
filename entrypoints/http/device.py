"""A short label for the device a session was opened on ("Firefox on Linux"), for its owner's list.

Built only from names this module knows, never from the header's own text: a User-Agent is the client's
word and may carry anything, at any length.
"""

from __future__ import annotations

import re

# First match wins: Edge and Opera say Chrome too, Chrome says Safari, so the specific come first.
# Headless Chrome (Puppeteer, Playwright) says "HeadlessChrome/", where no word boundary precedes "Chrome".
_BROWSERS = (
    ("Edge", r"\bEdg(e|A|iOS)?/"),
    ("Opera", r"\bOPR/|\bOpera\b"),
    ("Samsung Internet", r"SamsungBrowser/"),
    ("Firefox", r"\bFirefox/|\bFxiOS/"),
    ("Chrome", r"\b(Headless)?Chrome/|\bCriOS/"),
    ("Safari", r"\bSafari/"),
    ("curl", r"^curl/"),
    ("HTTPie", r"^HTTPie/"),
    ("Python", r"^python-|^Python/"),
    ("Android app", r"^okhttp/|^Dalvik/"),
    ("iOS app", r"CFNetwork/"),
)
_SYSTEMS = (
    ("iPhone", r"\biPhone\b"),
    ("iPad", r"\biPad\b"),
    ("Android", r"\bAndroid\b"),
    ("ChromeOS", r"\bCrOS\b"),
    ("Windows", r"\bWindows\b"),
    ("macOS", r"\bMac OS X\b|\bMacintosh\b"),
    ("Linux", r"\bLinux\b"),
)
_LONGEST_READ = 512  # the names sit at the start; nothing beyond is looked at


def device_label(user_agent: str | None) -> str:
    text = (user_agent or "")[:_LONGEST_READ]
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, text)), None)
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, text)), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"
