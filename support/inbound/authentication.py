"""What the receiving mail gateway says of a message's sender (Authentication-Results, RFC 8601).

A DMARC or SPF failure means the From address may be forged. Only failures are acted on:
anyone can add an Authentication-Results header claiming a pass, but one claiming a failure
only gets its own mail held for staff.
"""

import re
from email.message import Message

from support.inbound.charsets import header_decode
from support.inbound.headers import raw_header_all

# "dmarc=fail", "spf=fail", "spf = softfail"; comments in parentheses are ignored.
_FAILED_METHOD = re.compile(r"\b(dmarc|spf)\s*=\s*(fail|softfail)\b", re.IGNORECASE)


def authentication_failure(message: Message) -> str:
    """ "dmarc=fail" (or spf=...) when a gateway reported the sender's authentication failing, else ""."""
    for value in raw_header_all(message, "Authentication-Results"):
        text = re.sub(r"\([^)]*\)", " ", header_decode(value))
        if match := _FAILED_METHOD.search(text):
            return f"{match.group(1).lower()}={match.group(2).lower()}"
    return ""
