"""A small IMAP4rev1 server on 127.0.0.1 for the fetch_support_mail tests.

It speaks just enough of RFC 3501 for imaplib: CAPABILITY, STARTTLS, LOGIN,
SELECT, UID SEARCH UNSEEN, UID FETCH (BODY.PEEK[] / BODY[]), UID STORE
+FLAGS, NOOP, CLOSE and LOGOUT. It runs in implicit TLS (IMAPS), STARTTLS
or plaintext mode, and can drop the connection at the first STORE to play a
crash between storing a message and marking it seen.
"""

import contextlib
import re
import socket
import ssl
import threading
from dataclasses import dataclass, field


@dataclass
class StoredMail:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Mailbox:
    """What the server holds; shared between runs so a test can restart the server on the same mail."""

    mails: list[StoredMail] = field(default_factory=list)
    # Every FETCH item the client asked for, to check it peeked.
    fetch_items: list[str] = field(default_factory=list)

    def add(self, raw: bytes) -> StoredMail:
        mail = StoredMail(uid=len(self.mails) + 1, raw=raw)
        self.mails.append(mail)
        return mail

    def seen(self) -> list[int]:
        return [mail.uid for mail in self.mails if "\\Seen" in mail.flags]


_TOKEN = re.compile(rb'"((?:[^"\\]|\\.)*)"|(\S+)')


def _arguments(data: bytes) -> list[bytes]:
    return [
        re.sub(rb"\\(.)", rb"\1", quoted) if quoted is not None and quoted != b"" else (atom or b"")
        for quoted, atom in (match.groups() for match in _TOKEN.finditer(data))
    ]


class LocalImapServer:
    def __init__(
        self,
        *,
        mailbox: Mailbox,
        username: str,
        password: str,
        tls: str,
        ssl_context: ssl.SSLContext | None = None,
        drop_on_store: bool = False,
    ) -> None:
        assert tls in ("implicit", "starttls", "none")
        self.mailbox = mailbox
        self.username = username
        self.password = password
        self.tls = tls
        self.ssl_context = ssl_context
        self.drop_on_store = drop_on_store
        self.logins: list[str] = []
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(5)
        self._socket.settimeout(0.2)
        self.port = self._socket.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._lock = threading.Lock()

    def __enter__(self) -> "LocalImapServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _address = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._session, args=(connection,), daemon=True).start()

    # One client connection

    def _session(self, connection: socket.socket) -> None:
        connection.settimeout(10)
        try:
            if self.tls == "implicit":
                connection = self.ssl_context.wrap_socket(connection, server_side=True)
            self._converse(connection)
        except (OSError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(OSError):
                connection.close()

    def _converse(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        secure = self.tls == "implicit"
        authenticated = False
        connection.sendall(b"* OK IMAP4rev1 stand-in ready\r\n")
        while True:
            line = reader.readline()
            if not line:
                return
            tag, _space, rest = line.rstrip(b"\r\n").partition(b" ")
            command, _space, arguments = rest.partition(b" ")
            command = command.upper()
            send = connection.sendall
            if command == b"CAPABILITY":
                capabilities = b"IMAP4rev1 AUTH=PLAIN"
                if self.tls == "starttls" and not secure:
                    capabilities += b" STARTTLS LOGINDISABLED"
                send(b"* CAPABILITY " + capabilities + b"\r\n" + tag + b" OK CAPABILITY completed\r\n")
            elif command == b"STARTTLS" and self.tls == "starttls" and not secure:
                send(tag + b" OK Begin TLS negotiation now\r\n")
                connection = self.ssl_context.wrap_socket(connection, server_side=True)
                reader = connection.makefile("rb")
                secure = True
            elif command == b"LOGIN":
                if self.tls != "none" and not secure:
                    send(tag + b" NO [PRIVACYREQUIRED] LOGIN only after STARTTLS\r\n")
                    continue
                user, password = (value.decode() for value in _arguments(arguments)[:2])
                if (user, password) == (self.username, self.password):
                    authenticated = True
                    self.logins.append(user)
                    send(tag + b" OK LOGIN completed\r\n")
                else:
                    send(tag + b" NO [AUTHENTICATIONFAILED] Invalid credentials\r\n")
            elif command in (b"SELECT", b"EXAMINE") and authenticated:
                count = len(self.mailbox.mails)
                send(
                    b"* FLAGS (\\Seen \\Flagged)\r\n"
                    + f"* {count} EXISTS\r\n* 0 RECENT\r\n".encode()
                    + b"* OK [UIDVALIDITY 1] UIDs valid\r\n"
                    + tag
                    + b" OK [READ-WRITE] SELECT completed\r\n"
                )
            elif command == b"UID" and authenticated:
                if not self._uid_command(connection, tag, arguments):
                    return
            elif command == b"NOOP":
                send(tag + b" OK NOOP completed\r\n")
            elif command == b"CLOSE":
                send(tag + b" OK CLOSE completed\r\n")
            elif command == b"LOGOUT":
                send(b"* BYE logging out\r\n" + tag + b" OK LOGOUT completed\r\n")
                return
            else:
                send(tag + b" BAD command unknown or not allowed now\r\n")

    def _uid_command(self, connection: socket.socket, tag: bytes, arguments: bytes) -> bool:
        words = arguments.split(b" ", 2)
        sub = words[0].upper()
        with self._lock:
            mails = {mail.uid: mail for mail in self.mailbox.mails}
            if sub == b"SEARCH":
                unseen = [str(uid).encode() for uid, mail in mails.items() if "\\Seen" not in mail.flags]
                connection.sendall(
                    b"* SEARCH " + b" ".join(unseen) + b"\r\n" + tag + b" OK SEARCH completed\r\n"
                )
                return True
            mail = mails.get(int(words[1])) if len(words) > 1 and words[1].isdigit() else None
            sequence = str(self.mailbox.mails.index(mail) + 1).encode() if mail else b""
            if sub == b"FETCH" and mail is not None:
                items = words[2].decode().upper() if len(words) > 2 else ""
                self.mailbox.fetch_items.append(items)
                if "BODY[]" in items.replace("BODY.PEEK[]", ""):
                    mail.flags.add("\\Seen")
                head = f"* {sequence.decode()} FETCH (UID {mail.uid} BODY[] {{{len(mail.raw)}}}\r\n".encode()
                connection.sendall(head + mail.raw + b")\r\n" + tag + b" OK FETCH completed\r\n")
                return True
            if sub == b"STORE" and mail is not None:
                if self.drop_on_store:
                    # The crash: the connection dies before the flag is set.
                    connection.shutdown(socket.SHUT_RDWR)
                    return False
                flags = re.findall(r"\\\w+", words[2].decode()) if len(words) > 2 else []
                mail.flags.update(flags)
                flag_list = " ".join(sorted(mail.flags)).encode()
                connection.sendall(
                    b"* "
                    + sequence
                    + b" FETCH (UID "
                    + str(mail.uid).encode()
                    + b" FLAGS ("
                    + flag_list
                    + b"))\r\n"
                    + tag
                    + b" OK STORE completed\r\n"
                )
                return True
        connection.sendall(tag + b" BAD unknown UID command or message\r\n")
        return True
