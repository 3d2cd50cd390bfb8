"""Settings of support: tickets by email and the contact form (imported by shop.settings)."""

from datetime import timedelta

from shop.settings import SUPPORT_EMAIL, env

# Mailbox fetched by `manage.py fetch_support_mail`: imaps://user:pass@host:993/INBOX or
# imap+starttls://user:pass@host:143/INBOX. TLS is required; plaintext IMAP is refused.
SUPPORT_IMAP_URL = env.str("SUPPORT_IMAP_URL", default="")
# A CA bundle to trust for the IMAP server (a private CA); empty means the system's.
SUPPORT_IMAP_CA_FILE = env.str("SUPPORT_IMAP_CA_FILE", default="")
SUPPORT_IMAP_TIMEOUT = env.int("SUPPORT_IMAP_TIMEOUT", default=30)
# Replies route back through support+<token>@<this domain>; empty means SUPPORT_EMAIL's domain.
SUPPORT_REPLY_DOMAIN = env.str("SUPPORT_REPLY_DOMAIN", default="")
# The From of support mail, and where new tickets and replies are announced when nobody is assigned.
SUPPORT_FROM_EMAIL = env.str("SUPPORT_FROM_EMAIL", default=SUPPORT_EMAIL)
SUPPORT_NOTIFY_EMAIL = env.str("SUPPORT_NOTIFY_EMAIL", default=SUPPORT_EMAIL)
# Attachments (contact form and inbound mail): per-file size, count per message, allowed extensions.
SUPPORT_ATTACHMENT_MAX_BYTES = env.int("SUPPORT_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
SUPPORT_ATTACHMENT_MAX_COUNT = env.int("SUPPORT_ATTACHMENT_MAX_COUNT", default=10)
SUPPORT_ATTACHMENT_EXTENSIONS = env.list(
    "SUPPORT_ATTACHMENT_EXTENSIONS",
    default=["jpg", "jpeg", "png", "gif", "webp", "pdf", "txt", "csv", "doc", "docx", "xls", "xlsx", "eml"],
)
# Contact form rate limits: tickets per address and per IP within the window.
SUPPORT_RATE_LIMIT_PER_EMAIL = env.int("SUPPORT_RATE_LIMIT_PER_EMAIL", default=5)
SUPPORT_RATE_LIMIT_PER_IP = env.int("SUPPORT_RATE_LIMIT_PER_IP", default=10)
SUPPORT_RATE_LIMIT_WINDOW = timedelta(minutes=env.int("SUPPORT_RATE_LIMIT_WINDOW_MINUTES", default=60))
