"""RSA keys and signatures for the stand-ins that sign the way Alipay and WeChat Pay do.

Alipay's RSA2 and WeChat Pay's WECHATPAY2-SHA256-RSA2048 are both PKCS#1 v1.5
signatures over SHA-256, sent in base64; keys travel as PEM text. Written with
``cryptography``, independently of the gateways' SDKs, so the tests prove the
SDKs and the stand-ins agree.
"""

from base64 import b64decode, b64encode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def private_pem(key: rsa.RSAPrivateKey) -> str:
    """The private key as PKCS#8 PEM text (what the shop's private-key settings hold)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    """The key's public half as SubjectPublicKeyInfo PEM text (what the public-key settings hold)."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rsa_sign(key: rsa.RSAPrivateKey, message: str) -> str:
    """The base64 SHA256withRSA signature of ``message``."""
    return b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(key: rsa.RSAPublicKey, message: str, signature: str) -> bool:
    """Whether ``signature`` (base64) is ``key``'s SHA256withRSA signature of ``message``."""
    try:
        key.verify(b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True
