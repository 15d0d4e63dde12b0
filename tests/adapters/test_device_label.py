import pytest

from entrypoints.http.device import device_label


@pytest.mark.parametrize(
    "user_agent, label",
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
            "Safari/537.36 Edg/126.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.5 Safari/605.1.15",
            "Safari on macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
            "Mobile Safari/537.36",
            "Chrome on Android",
        ),
        # Playwright's and Puppeteer's Chromium: "HeadlessChrome/", then "Safari/" as every Chrome says.
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/131.0.6778.33 Safari/537.36",
            "Chrome on Linux",
        ),
        ("curl/8.5.0", "curl"),
        (None, "Unknown device"),
        ("", "Unknown device"),
    ],
)
def test_a_device_is_named_from_its_user_agent(user_agent: str | None, label: str) -> None:
    assert device_label(user_agent) == label


def test_nothing_of_the_headers_own_text_is_kept() -> None:
    hostile = "\u202eevil\r\nSet-Cookie: x=1 <script>" + "A" * 20_000 + " Firefox/1 Linux"
    assert device_label(hostile) == "Unknown device"  # the names past the first 512 characters are not read
    assert device_label("<b>Firefox/1</b> \udfff Linux") == "Firefox on Linux"
