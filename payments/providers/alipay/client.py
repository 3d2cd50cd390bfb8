"""The python-alipay-sdk client, sending to the gateway we configure and signing with the app's keys."""

import json
from typing import Any
from urllib.request import Request, urlopen

from alipay import AliPay
from alipay.exceptions import AliPayException
from django.conf import settings

from payments.providers.base import GatewayError, setting_or_file

PRODUCTION_GATEWAY = "https://openapi.alipay.com/gateway.do"
SANDBOX_GATEWAY = "https://openapi-sandbox.dl.alipaydev.com/gateway.do"


class AlipayClient(AliPay):
    """The SDK's client, sending its server API calls to the gateway URL we configure.

    python-alipay-sdk 3.4 picks its gateway from the ``debug`` flag in the
    constructor and has no public way to name another. Every server API call
    goes through ``verified_sync_response``, so this subclass sends the same
    signed request (as a form POST, as Alipay's own SDKs do) to our URL and
    leaves signing and the check of the answer's signature to the SDK.
    """

    def __init__(self, *, gateway_url: str, timeout: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gateway_url = gateway_url
        self.timeout = timeout

    def verified_sync_response(self, data: dict, response_type: str) -> dict:
        body = self.sign_data(data).encode()
        request = Request(
            self.gateway_url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
        )
        with urlopen(request, timeout=self.timeout) as response:
            raw = response.read().decode("utf-8")
        parsed = json.loads(raw)
        if not isinstance(parsed, dict) or not (response_type in parsed or "error_response" in parsed):
            raise AliPayException(None, f"unexpected answer without {response_type}")
        return self._verify_and_return_sync_response(raw, response_type)


def gateway_url() -> str:
    """The configured gateway, else Alipay's sandbox or production gateway."""
    if settings.ALIPAY_GATEWAY_URL:
        return settings.ALIPAY_GATEWAY_URL
    return SANDBOX_GATEWAY if settings.ALIPAY_SANDBOX else PRODUCTION_GATEWAY


def sdk_client() -> AlipayClient:
    """An SDK client from the current settings; raises GatewayError when a key cannot be loaded."""
    private_key = _key_text("ALIPAY_APP_PRIVATE_KEY")
    public_key = _key_text("ALIPAY_PUBLIC_KEY")
    try:
        return AlipayClient(
            gateway_url=gateway_url(),
            timeout=settings.ALIPAY_TIMEOUT,
            appid=settings.ALIPAY_APP_ID,
            app_private_key_string=private_key,
            alipay_public_key_string=public_key,
            sign_type="RSA2",
        )
    except (ValueError, IndexError, TypeError) as error:
        raise GatewayError(f"Alipay keys cannot be loaded: {error}") from error


def _key_text(setting: str) -> str:
    """A key from its setting (PEM, or the bare base64 Alipay's tools print) or from its file."""
    try:
        value = setting_or_file(setting)
    except OSError as error:
        raise GatewayError(f"{setting}_FILE cannot be read: {error.strerror}") from error
    value = value.strip()
    if value and "-----BEGIN" not in value:
        kind = "PRIVATE KEY" if "PRIVATE" in setting else "PUBLIC KEY"
        body = "\n".join(value[start : start + 64] for start in range(0, len(value), 64))
        value = f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"
    return value
