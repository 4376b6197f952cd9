"""The SMS channel: SMPP 3.4 to the operator's SMSC on smpplib, or the log.

A delivery's payload is {"text"}, its target {"phone": "84…"} (E.164 digits). The text goes out as the
province chose (`SMS_ENCODING`): unaccented GSM-7 (services/core/sms_text.py), or UCS-2; a longer text is
concatenated (a UDH with one reference for all parts, cut where sms_text.chunks cuts, so the segments
counted are the segments sent). smpplib's gsm.make_parts is not used: it cuts between an escape and its
extension character, encodes § as a backtick, and falls back to UCS-2 silently on a character it lacks.

One transceiver bind carries everything: submit_sm out, and in the other direction delivery receipts and
mobile-originated messages (deliver_sm), which a reader thread reads and hands to the callbacks the
domain gives (`on_receipt(message_id, status, when)`, `on_message(phone, text)`), answering each
deliver_sm after its callback returns (a callback that raises gets ESME_RX_T_APPN: the SMSC delivers it
again later). Callbacks run on the reader thread: they record and enqueue, and must not send through
this channel (that would wait for an answer only the reader can read; it raises RuntimeError).
The reader also keeps the link alive: enquire_link after SMS_ENQUIRE_LINK_SECONDS of silence, and a
link that stays silent after one is dropped. The bind is lazy (the first send), or `connect()` at the
worker's start so that MO messages and receipts flow before anything is sent.

A batch is pipelined: up to SMS_WINDOW submit_sm are outstanding at once, their answers matched by
sequence number (send_batch is called by one thread at a time: the outbox worker's). Classification:
all parts accepted → sent, provider_id = the message_id of the last part (the one whose delivery receipt
is asked for); ESME_RTHROTTLED / ESME_RMSGQFUL → retry after a backoff (1 s, doubling while the SMSC
keeps refusing, at most a minute), and nothing more is submitted until it has passed; ESME_RINVDSTADR →
gone; the link dropped or no answer within SMS_TIMEOUT → retry (the next send connects and binds again);
the bind refused or the SMSC unreachable → retry with the reason; any other error → failed.

"Nothing sent twice after a reconnect" — what SMPP allows. SMPP has no idempotency key: a submit_sm the
SMSC accepted but whose submit_sm_resp was lost with the link cannot be told from one it never got, so
that delivery is retried and the phone may get it twice (at-least-once, like the outbox). What is
guaranteed: a part whose submit_sm_resp was received is never submitted again by this process — a
concatenated message interrupted after some parts resends only the missing ones, with the same UDH
reference, so the phone still assembles one message. The window bounds how many submissions can be in
doubt when a link drops. Another worker retrying after a crash resends every part (the outbox's lease).
replace_if_present_flag is not used: it would also replace an earlier, different message still queued
for the same phone.
"""

import contextlib
import itertools
import logging
import re
import select
import socket
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import unquote, urlsplit

import smpplib.client
from smpplib import consts, exceptions, smpp

from services.core.sms_text import as_sent, chunks, decode_gsm7, encode_gsm7
from services.outbox.channels.base import EXPIRED, Outgoing, Result, expired, ms_since

log = logging.getLogger("citizen.sms")

ReceiptCallback = Callable[[str, str, datetime], None]  # (message_id, DELIVRD|UNDELIV|EXPIRED|…, when)
MessageCallback = Callable[[str, str], None]  # (phone as E.164 digits, text)

DATA_CODING = {"gsm7": consts.SMPP_ENCODING_DEFAULT, "ucs2": consts.SMPP_ENCODING_ISO10646}
RECEIPT = 0x04  # esm_class bits 2–5 = 0001: an SMSC delivery receipt (SMPP 3.4 §5.2.12)
MESSAGE_TYPE = 0x3C
THROTTLED = {consts.SMPP_ESME_RTHROTTLED, consts.SMPP_ESME_RMSGQFUL}
THROTTLE_BACKOFF, THROTTLE_BACKOFF_MAX = 1.0, 60.0  # seconds
# The message_state TLV (SMPP 3.4 §5.2.28) by the names receipts' text uses.
STATES = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}
RECEIPT_TEXT = re.compile(r"\bid:(?P<id>\S+).*?\bstat:(?P<stat>[A-Za-z]+)", re.S)
DONE_DATE = re.compile(r"\bdone date:(?P<date>\d{10})(?P<seconds>\d{2})?")
SMSC_TIME = timezone(timedelta(hours=7))  # receipts' dates are the SMSC's local time: Vietnam's
HANG_UP = select.POLLHUP | select.POLLERR | getattr(select, "POLLRDHUP", 0)  # the peer closed: Linux
REMEMBERED = 10_000  # deliveries whose accepted parts are remembered between tries


@dataclass(frozen=True)
class SmsSettings:
    backend: str = "log"  # log | smpp
    host: str = ""
    port: int = 2775
    system_id: str = ""
    password: str = ""
    source_addr: str = ""
    encoding: str = "gsm7"
    window: int = 10
    enquire_link_seconds: float = 30.0
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping) -> "SmsSettings":
        backend = config.get("SMS_BACKEND") or "log"
        encoding = config.get("SMS_ENCODING") or "gsm7"
        if backend not in ("log", "smpp"):
            raise ValueError(f"SMS_BACKEND must be log or smpp, not {backend!r}.")
        if encoding not in DATA_CODING:
            raise ValueError(f"SMS_ENCODING must be gsm7 or ucs2, not {encoding!r}.")
        numbers = {
            "window": int(config.get("SMS_WINDOW") or 10),
            "enquire_link_seconds": float(config.get("SMS_ENQUIRE_LINK_SECONDS") or 30),
            "timeout": float(config.get("SMS_TIMEOUT") or 10),
        }
        if min(numbers.values()) <= 0:
            raise ValueError("SMS_WINDOW, SMS_ENQUIRE_LINK_SECONDS and SMS_TIMEOUT must be positive.")
        source = config.get("SMS_SOURCE_ADDR") or ""
        if backend == "log":
            return cls(backend, source_addr=source, encoding=encoding, **numbers)
        url = config.get("SMS_SMPP_URL") or ""
        parts = urlsplit(url)
        try:
            port = parts.port or 2775
        except ValueError:
            port = 0
        if parts.scheme != "smpp" or not parts.hostname or not port or not parts.username:
            raise ValueError(f"SMS_SMPP_URL must look like smpp://system_id:password@host:2775, not {url!r}.")
        if not source or not source.isascii() or len(source) > (15 if source.isdigit() else 11):
            raise ValueError(
                "SMS_SOURCE_ADDR must be the brandname (up to 11 ASCII characters) or the short code."
            )
        return cls(
            backend,
            host=parts.hostname,
            port=port,
            system_id=unquote(parts.username),
            password=unquote(parts.password or ""),
            source_addr=source,
            encoding=encoding,
            **numbers,
        )

    @property
    def source_ton_npi(self) -> tuple[int, int]:
        """A short code is a national number; a brandname is alphanumeric."""
        if self.source_addr.isdigit():
            return consts.SMPP_TON_NATNL, consts.SMPP_NPI_ISDN
        return consts.SMPP_TON_ALNUM, consts.SMPP_NPI_UNK


def make_channel(settings: SmsSettings, on_receipt: ReceiptCallback, on_message: MessageCallback):
    """The channel SMS_BACKEND names."""
    if settings.backend == "log":
        return LogSms(settings.encoding)
    return SmppChannel(settings, on_receipt, on_message)


class LogSms:
    """SMS_BACKEND=log, the default without an SMSC: each SMS is one INFO line (to, segments, text)."""

    name = "sms"

    def __init__(self, encoding: str = "gsm7"):
        self.encoding = encoding
        log.warning("SMS backend: log (SMS_BACKEND=log); SMS are logged, not sent")

    def send(self, outgoing: Outgoing) -> Result:
        if expired(outgoing.payload):
            return EXPIRED
        text = as_sent(outgoing.payload["text"], self.encoding)
        count = len(chunks(text, self.encoding))
        log.info("sms (log backend) to %s, %d segment(s): %s", outgoing.target["phone"], count, text)
        return Result("sent", detail="logged", provider_id=f"logged/{uuid.uuid4()}")

    def send_batch(self, batch: list[Outgoing]) -> list[Result]:
        return [self.send(outgoing) for outgoing in batch]


class LinkDown(Exception):
    """The SMSC cannot be reached or refused the bind; the message says which."""


@dataclass
class _Submit:
    """One submit_sm in flight: the reader fills it in from its submit_sm_resp (or the link's loss)."""

    index: int  # the part's number, 1-based
    total: int  # parts in the message
    answered: threading.Event = field(default_factory=threading.Event)
    status: int | None = None  # None: no answer (the link was lost, or the SMSC did not answer in time)
    message_id: str | None = None
    lost: str = ""  # why no answer came
    sent_at: float = 0.0  # time.monotonic() when it went out: SMS_TIMEOUT counts from there


@dataclass
class _Progress:
    """What the SMSC accepted of one delivery so far, kept between tries in this process."""

    reference: int
    accepted: dict[int, str] = field(default_factory=dict)  # part number → message_id


class SmppChannel:
    name = "sms"

    def __init__(self, settings: SmsSettings, on_receipt: ReceiptCallback, on_message: MessageCallback):
        self.settings = settings
        self.on_receipt = on_receipt
        self.on_message = on_message
        self.paused_until = 0.0  # time.monotonic() until which the SMSC asked us to hold back
        self._throttles = 0  # refusals in a row, for the backoff
        self._link: _Link | None = None
        self._connecting = threading.Lock()
        self._progress: OrderedDict[uuid.UUID, _Progress] = OrderedDict()
        self._references = itertools.count()

    # ------------------------------------------------------------------ the link

    def connect(self) -> None:
        """Bind now, if not bound. Raises LinkDown."""
        with self._connecting:
            if self._link is None or not self._link.usable():
                self._link = _Link(self)

    def close(self) -> None:
        """Unbind and close the link."""
        with self._connecting:
            if self._link is not None:
                self._link.close()
                self._link = None

    # ------------------------------------------------------------------ sending

    def send(self, outgoing: Outgoing) -> Result:
        return self.send_batch([outgoing])[0]

    def send_batch(self, batch: list[Outgoing]) -> list[Result]:
        if threading.current_thread().name == _Link.READER:
            raise RuntimeError("An SMS callback cannot send through the channel: enqueue the reply instead.")
        try:
            self.connect()
        except LinkDown as error:
            return [Result("retry", detail=str(error))] * len(batch)
        link = self._link
        started = time.monotonic()
        submitted: list[tuple[Outgoing, _Progress, list[_Submit]] | Result] = []
        for outgoing in batch:
            if expired(outgoing.payload):  # an alert over while the SMSC was down, say
                submitted.append(EXPIRED)
                continue
            held = self._held_back()
            if held is not None:
                submitted.append(held)
                continue
            try:
                progress, parts = self._parts(outgoing)
            except ValueError as error:
                submitted.append(Result("failed", detail=str(error)))
                continue
            sent = []
            for number, kwargs in parts:
                submit = link.submit(number, len(parts) + len(progress.accepted), kwargs)
                sent.append(submit)
                if submit.lost:
                    break  # the link is down: the rest would be lost too
            submitted.append((outgoing, progress, sent))
        results = []
        for item in submitted:
            if isinstance(item, Result):
                results.append(item)
                continue
            outgoing, progress, sent = item
            for submit in sent:
                timeout = self.settings.timeout
                if not submit.answered.wait(max(0.0, submit.sent_at + timeout - time.monotonic())):
                    link.drop(f"no submit_sm_resp within {timeout:g} s")
                    submit.answered.wait()
            results.append(self._result(outgoing, progress, sent, ms_since(started)))
        return results

    def _held_back(self) -> Result | None:
        wait = self.paused_until - time.monotonic()
        if wait > 0:
            return Result("retry", after=wait, detail="Holding back: the SMSC is throttling our submissions.")
        return None

    def _parts(self, outgoing: Outgoing) -> tuple[_Progress, list[tuple[int, dict]]]:
        """The submit_sm of each part not yet accepted (ValueError when there is nothing to send)."""
        phone = str(outgoing.target.get("phone") or "")
        encoding = self.settings.encoding
        text = as_sent(outgoing.payload.get("text") or "", encoding)
        if not text:
            raise ValueError("The SMS has no text (none left once unaccented).")
        pieces = chunks(text, encoding)
        if len(pieces) > 255:
            raise ValueError(f"The SMS is too long: {len(pieces)} segments.")
        progress = self._progress.get(outgoing.id) or _Progress(next(self._references) % 256)
        self._progress[outgoing.id] = progress
        self._progress.move_to_end(outgoing.id)
        while len(self._progress) > REMEMBERED:
            self._progress.popitem(last=False)
        source_ton, source_npi = self.settings.source_ton_npi
        parts = []
        for number, piece in enumerate(pieces, start=1):
            if number in progress.accepted:
                continue
            data = encode_gsm7(piece) if encoding == "gsm7" else piece.encode("utf-16-be")
            if len(pieces) > 1:
                data = bytes((5, 0, 3, progress.reference, len(pieces), number)) + data
            last = number == len(pieces)
            parts.append(
                (
                    number,
                    {
                        "source_addr_ton": source_ton,
                        "source_addr_npi": source_npi,
                        "source_addr": self.settings.source_addr,
                        "dest_addr_ton": consts.SMPP_TON_INTL,
                        "dest_addr_npi": consts.SMPP_NPI_ISDN,
                        "destination_addr": phone,
                        "esm_class": consts.SMPP_GSMFEAT_UDHI if len(pieces) > 1 else 0,
                        "data_coding": DATA_CODING[encoding],
                        # The last part's receipt stands for the message: its id is the provider_id.
                        "registered_delivery": consts.SMPP_SMSC_DELIVERY_RECEIPT_BOTH if last else 0,
                        "short_message": data,
                    },
                )
            )
        return progress, parts

    def _result(self, outgoing: Outgoing, progress: _Progress, sent: list[_Submit], latency: int) -> Result:
        for submit in sent:
            if submit.status == consts.SMPP_ESME_ROK:
                progress.accepted[submit.index] = submit.message_id or ""
        total = sent[0].total if sent else len(progress.accepted)
        if len(progress.accepted) == total:
            self._progress.pop(outgoing.id, None)
            message_id = progress.accepted[total]
            return Result("sent", latency_ms=latency, detail=message_id, provider_id=message_id)
        statuses = [submit.status for submit in sent if submit.status != consts.SMPP_ESME_ROK]
        if consts.SMPP_ESME_RINVDSTADR in statuses:
            self._progress.pop(outgoing.id, None)
            return Result("gone", latency_ms=latency, detail=_describe(consts.SMPP_ESME_RINVDSTADR))
        throttled = [status for status in statuses if status in THROTTLED]
        if throttled:
            after = max(0.0, self.paused_until - time.monotonic()) or THROTTLE_BACKOFF
            return Result("retry", after=after, latency_ms=latency, detail=_describe(throttled[0]))
        if None in statuses:
            lost = next(submit.lost for submit in sent if submit.status is None)
            return Result(
                "retry", latency_ms=latency, detail=f"The SMPP link was lost ({lost}); sent again later."
            )
        self._progress.pop(outgoing.id, None)
        return Result("failed", latency_ms=latency, detail=_describe(statuses[0]))

    # ------------------------------------------------------------------ what the reader tells

    def answered(self, status: int) -> None:
        """A submit_sm_resp came: throttling pauses the channel, anything else ends a run of refusals."""
        if status in THROTTLED:
            self._throttles += 1
            backoff = min(THROTTLE_BACKOFF * 2 ** (self._throttles - 1), THROTTLE_BACKOFF_MAX)
            self.paused_until = max(self.paused_until, time.monotonic() + backoff)
        else:
            self._throttles = 0

    def delivered(self, pdu) -> None:
        """A deliver_sm: a delivery receipt or a mobile-originated message."""
        if pdu.esm_class & MESSAGE_TYPE == RECEIPT:
            message_id, status, when = receipt(pdu)
            self.on_receipt(message_id, status, when)
        else:
            self.on_message(e164_digits(_text(pdu.source_addr)), message_text(pdu))


class _Link:
    """One bound transceiver session: a smpplib Client, its reader thread, the submits in flight."""

    READER = "smpp-reader"

    def __init__(self, channel: SmppChannel):
        settings = channel.settings
        self.channel = channel
        self.settings = settings
        self.client = smpplib.client.Client(
            settings.host,
            settings.port,
            timeout=settings.timeout,
            allow_unknown_opt_params=True,
            logger_name="citizen.sms.smpp",
        )
        where = f"{settings.host}:{settings.port}"
        try:
            self.client.connect()
            # Small PDUs both ways (deliver_sm_resp among submit_sm): Nagle would hold each for an ACK.
            self.client._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.client.bind_transceiver(system_id=settings.system_id, password=settings.password)
        except exceptions.PDUError as error:
            self.client.disconnect()
            status = error.args[1] if len(error.args) > 1 else None
            raise LinkDown(
                f"The SMSC at {where} refused the bind as {settings.system_id!r} "
                f"(check system_id and password in SMS_SMPP_URL): {_describe(status)}"
            ) from error
        except (exceptions.ConnectionError, OSError) as error:
            self.client.disconnect()
            raise LinkDown(f"Cannot reach the SMSC at {where}: {error or type(error).__name__}") from error
        # Blocking from now on, one syscall a read rather than two: the reader waits in select
        # (enquire_link on silence); a read or write that stalls ends when the link is dropped, by a sender
        # without an answer after SMS_TIMEOUT or by a writer kept waiting that long.
        self.client._socket.settimeout(None)
        log.info("SMPP: bound as transceiver to %s as %s", where, settings.system_id)
        self.alive = True
        self.closing = False
        self.lost = ""
        self.pending: dict[int, _Submit] = {}
        self.window = threading.BoundedSemaphore(settings.window)
        self.registering = threading.Lock()  # `pending` and `alive` between the sender and the reader
        self.sequencing = threading.Lock()  # smpplib's sequence numbers are not thread-safe
        self.unsent: deque[bytes] = deque()  # PDUs for the socket, in order
        self.writing = threading.Lock()  # held by the one thread writing `unsent` to the socket
        self.reader = threading.Thread(target=self._read, name=self.READER, daemon=True)
        self.reader.start()

    def usable(self) -> bool:
        """Whether the link is up: a connection the SMSC closed while we were idle is noticed here,
        before a submit_sm is put in doubt on it (poll, so the reader's data stays unread)."""
        if self.alive:
            poller = select.poll()
            with contextlib.suppress(AttributeError, TypeError, ValueError):  # the reader closed it meanwhile
                poller.register(self.client._socket, HANG_UP)
                if not poller.poll(0):
                    return True
            self.drop("the SMSC closed the connection")
        return False

    def submit(self, number: int, total: int, kwargs: dict) -> _Submit:
        """Send one submit_sm once the window has room; its answer arrives on the returned _Submit."""
        submit = _Submit(number, total)
        if not self.window.acquire(timeout=self.settings.timeout):
            self.drop(f"no room in the window for {self.settings.timeout:g} s")
            self._lose(submit, release=False)
            return submit
        pdu = self._make("submit_sm", **kwargs)
        submit.sent_at = time.monotonic()
        with self.registering:
            registered = self.alive
            if registered:
                self.pending[pdu.sequence] = submit
        if registered:
            self._send(pdu)  # a failure drops the link, which loses the submit
        else:
            self._lose(submit)
        return submit

    def drop(self, why: str) -> None:
        """Give the link up: everything in flight is lost, the next send binds again."""
        if self.alive and not self.closing:
            log.warning("SMPP: dropping the link to %s: %s", self.settings.host, why)
        self.alive = False
        self.lost = self.lost or why
        with contextlib.suppress(AttributeError, OSError):  # gone already
            self.client._socket.shutdown(socket.SHUT_RDWR)  # wakes the reader
        with self.registering:
            pending, self.pending = self.pending, {}
        for submit in pending.values():
            self._lose(submit)

    def close(self) -> None:
        self.closing = True
        if self.alive:
            self._send(self._make("unbind"))
            self.reader.join(self.settings.timeout)  # it reads the unbind_resp, or the link's end
        self.drop("closed")
        self.reader.join(self.settings.timeout)

    def _lose(self, submit: _Submit, release: bool = True) -> None:
        submit.lost = self.lost or "the link is down"
        submit.answered.set()
        if release:
            self.window.release()

    def _make(self, command: str, **fields):
        with self.sequencing:
            return smpp.make_pdu(command, client=self.client, **fields)

    def _send(self, pdu) -> None:
        """Queue a PDU, encoded by the caller (smpplib's send_pdu would encode it under its lock), and write
        the queue unless another thread is writing it: that one writes ours too. The sender and the reader
        (answering receipts) never wait on each other: under the GIL, waiting on a lock for each PDU cost a
        fifth of the throughput. A failed write drops the link; a write stuck on an SMSC that reads nothing
        holds no sender, whose submits go unanswered and drop the link after SMS_TIMEOUT."""
        self.unsent.append(pdu.generate())
        while self.unsent and self.writing.acquire(blocking=False):
            try:
                self.client._socket.sendall(b"".join(self.unsent.popleft() for _ in range(len(self.unsent))))
            except (AttributeError, OSError):  # closed meanwhile
                self.drop("the SMSC closed the connection")
            finally:
                self.writing.release()

    def _answer(self, request, command: str, status: int = consts.SMPP_ESME_ROK) -> None:
        response = smpp.make_pdu(command, client=self.client, status=status)
        response.sequence = request.sequence
        self._send(response)

    def _read(self) -> None:
        """Read until the link ends: answers matched to submits, deliver_sm handed to the channel,
        enquire_link after a silence, and the link dropped when the SMSC stays silent after one."""
        enquired = False
        while self.alive:
            try:
                readable, _, _ = select.select(
                    [self.client._socket], [], [], self.settings.enquire_link_seconds
                )
                if not readable:
                    if enquired:
                        self.drop("no answer to enquire_link")
                        break
                    self._send(self._make("enquire_link"))
                    enquired = True
                    continue
                pdu = self.client.read_pdu()
            except (exceptions.ConnectionError, exceptions.PDUError, OSError, ValueError, TypeError) as error:
                self.drop(self.lost or f"the SMSC closed the connection ({type(error).__name__})")
                break
            enquired = False
            self._dispatch(pdu)
        self.drop(self.lost or "the link ended")
        self.client.state = consts.SMPP_CLIENT_STATE_OPEN  # no longer bound: closing quietly
        self.client.disconnect()

    def _dispatch(self, pdu) -> None:
        if pdu.command in ("submit_sm_resp", "generic_nack"):
            with self.registering:
                submit = self.pending.pop(pdu.sequence, None)
            if submit is None:
                return  # answered after we gave it up
            submit.status = pdu.status
            submit.message_id = _text(getattr(pdu, "message_id", None)) or None
            self.channel.answered(pdu.status)
            self.window.release()
            submit.answered.set()
        elif pdu.command == "deliver_sm":
            try:
                self.channel.delivered(pdu)
            except Exception:  # the domain's callback: the SMSC delivers it again later
                log.exception("SMPP: handling a deliver_sm failed; the SMSC will deliver it again")
                self._answer(pdu, "deliver_sm_resp", consts.SMPP_ESME_RX_T_APPN)
            else:
                self._answer(pdu, "deliver_sm_resp")
        elif pdu.command == "enquire_link":
            self._answer(pdu, "enquire_link_resp")
        elif pdu.command == "unbind":
            self._answer(pdu, "unbind_resp")
            self.drop("the SMSC unbound")
        elif pdu.command == "unbind_resp":
            self.drop("unbound")


def receipt(pdu) -> tuple[str, str, datetime]:
    """(message id, state, when) of a delivery receipt: the receipted_message_id and message_state TLVs
    where the SMSC sends them, else the receipt text's `id:` and `stat:` (SMPP 3.4 Appendix B)."""
    text = _text(pdu.short_message or getattr(pdu, "message_payload", None))
    parsed = RECEIPT_TEXT.search(text)
    message_id = _text(getattr(pdu, "receipted_message_id", None)) or (parsed["id"] if parsed else "")
    state = STATES.get(getattr(pdu, "message_state", None) or 0) or (
        parsed["stat"].upper() if parsed else "UNKNOWN"
    )
    done = DONE_DATE.search(text)
    when = datetime.now(UTC)
    if done:
        try:
            local = datetime.strptime(done["date"] + (done["seconds"] or "00"), "%y%m%d%H%M%S")
            when = local.replace(tzinfo=SMSC_TIME).astimezone(UTC)
        except ValueError:
            pass
    return message_id, state, when


def message_text(pdu) -> str:
    """The text of a mobile-originated message, its UDH (a concatenated part's header) left out."""
    data = pdu.short_message or getattr(pdu, "message_payload", None) or b""
    if pdu.esm_class & consts.SMPP_GSMFEAT_UDHI and data:
        data = data[1 + data[0] :]
    if pdu.data_coding == consts.SMPP_ENCODING_ISO10646:
        return data.decode("utf-16-be", errors="replace")
    if pdu.data_coding == consts.SMPP_ENCODING_DEFAULT:
        return decode_gsm7(data)
    return data.decode("latin-1")


def e164_digits(address: str) -> str:
    """A sender's number as E.164 digits: "+84912…" and "0912…" (national) are "84912…"."""
    digits = "".join(char for char in address if char.isdigit())
    if digits.startswith("0") and not digits.startswith("00"):
        return "84" + digits[1:]
    return digits.removeprefix("00")


def _text(value) -> str:
    if value is None:
        return ""
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _describe(status: int | None) -> str:
    if status is None:
        return "no answer"
    return f"{consts.DESCRIPTIONS.get(status, 'unknown status')} (0x{status:08X})"
