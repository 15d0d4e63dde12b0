"""Authenticator-app codes by pyotp (RFC 6238), and the QR code an app scans, by segno."""

from __future__ import annotations

import hmac
import io

import pyotp
import segno

from domain.factors import TOTP_DIGITS, TOTP_PERIOD_SECONDS, TotpEnrolment


class PyotpAuthenticator:
    def new_secret(self) -> str:
        return pyotp.random_base32()  # 32 base32 characters: 160 bits, as RFC 4226 recommends for SHA-1

    def enrolment(self, secret: str, account: str, issuer: str) -> TotpEnrolment:
        uri = self._totp(secret).provisioning_uri(name=account, issuer_name=issuer)
        svg = io.BytesIO()
        segno.make(uri, error="m").save(svg, kind="svg", xmldecl=False, scale=4)
        return TotpEnrolment(secret=secret, otpauth_uri=uri, qr_svg=svg.getvalue().decode())

    def matches(self, secret: str, code: str, step: int) -> bool:
        expected = self._totp(secret).at(step * TOTP_PERIOD_SECONDS)
        return hmac.compare_digest(expected.encode(), code.encode("utf-8", "surrogatepass"))

    def _totp(self, secret: str) -> pyotp.TOTP:
        return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD_SECONDS)
