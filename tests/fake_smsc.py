"""A fake SMSC on 127.0.0.1 for the SMS tests and bench: an SMPP 3.4 server on smpplib's PDU classes.

It answers bind_transceiver (wrong system_id or password → ESME_RBINDFAIL), enquire_link, submit_sm
(recorded, answered with a message_id; a destination in `fake.unknown_numbers` → ESME_RINVDSTADR) and
unbind, and records each deliver_sm_resp it gets back. Scripted: `fake.receipts = True` (a delivery
receipt for every accepted submit_sm that asked for one), `fake.send_receipt(message_id, "UNDELIV")`,
`fake.mo("84912345678", "DK Hai Chau")` (a mobile-originated message), `fake.throttle(times=N)` (the
next N submit_sm answer ESME_RTHROTTLED), `fake.drop_link()` (closes every connection), `fake.drop_at(n)`
(the connection closes when the n-th submit_sm arrives, unanswered), `fake.answer_together = n` (submit_sm
are answered only once n are outstanding: a client that pipelines fewer waits in vain), `fake.silent = True`
(enquire_link unanswered). What phones got:
`fake.messages_to("84912345678")`, concatenated parts reassembled by their UDH reference as a phone does.
"""

import contextlib
import itertools
import socket
import struct
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from smpplib import consts, smpp
from smpplib.client import SimpleSequenceGenerator

from services.core.sms_text import encode_gsm7
from services.outbox.channels.sms import RECEIPT, STATES, SmsSettings, message_text

STATE_CODES = {name: code for code, name in STATES.items()}


@dataclass
class Submitted:
    """An accepted submit_sm."""

    message_id: str
    pdu: object  # smpplib's SubmitSM as parsed

    @property
    def destination(self) -> str:
        return self.pdu.destination_addr.decode()

    @property
    def source(self) -> str:
        return self.pdu.source_addr.decode()

    @property
    def concatenation(self) -> tuple[int, int, int] | None:
        """(reference, total, number) from the UDH, or None for a single SMS."""
        data = self.pdu.short_message
        if not self.pdu.esm_class & consts.SMPP_GSMFEAT_UDHI:
            return None
        header = data[1 : 1 + data[0]]
        if header[0] == 0x00:  # 8-bit reference
            return header[2], header[3], header[4]
        return int.from_bytes(header[2:4]), header[4], header[5]  # 0x08: 16-bit reference


@dataclass
class _Session:
    sock: socket.socket
    writing: threading.Lock = field(default_factory=threading.Lock)
    bound: bool = False

    def write(self, pdu) -> None:
        with self.writing:
            self.sock.sendall(pdu.generate())

    def close(self) -> None:
        with contextlib.suppress(OSError):  # closed already
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class FakeSmsc:
    def __init__(self, system_id: str = "citizen", password: str = "secret1", short_code: str = "8079"):
        self.system_id, self.password, self.short_code = system_id, password, short_code
        self._sequences = SimpleSequenceGenerator()  # stands in for smpplib's client when making PDUs
        self._lock = threading.Lock()
        self._ids = itertools.count(0x1000)
        self._sessions: list[_Session] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, name="fake-smsc", daemon=True)
        self.reset()

    def start(self) -> "FakeSmsc":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._listener.close()
        self.drop_link()

    def reset(self) -> None:
        self.receipts = False
        self.unknown_numbers: set[str] = set()
        self.submitted: list[Submitted] = []
        self.refused: list[int] = []  # statuses of the submit_sm answered with an error
        self.binds: list[tuple[str, int]] = []  # (system_id, status) of each bind
        self.enquire_links = 0
        self.deliver_answers: list[int] = []  # statuses of the deliver_sm_resp received
        self.received = 0  # submit_sm read, answered or not
        self.answer_together = 1
        self.silent = False  # enquire_link goes unanswered, as from an SMSC that hung
        self._throttles = 0
        self._drop_at: int | None = None
        self._held: list = []

    def settings(self, **overrides) -> SmsSettings:
        config = {
            "SMS_BACKEND": "smpp",
            "SMS_SMPP_URL": f"smpp://{self.system_id}:{self.password}@127.0.0.1:{self.port}",
            "SMS_SOURCE_ADDR": "UBND DN",
            "SMS_TIMEOUT": "5",
            **overrides,
        }
        return SmsSettings.from_config(config)

    # ------------------------------------------------------------------ scripting

    def throttle(self, times: int = 1) -> None:
        self._throttles = times

    def drop_at(self, submit_number: int) -> None:
        self._drop_at = self.received + submit_number

    def drop_link(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def send_receipt(self, message_id: str, state: str = "DELIVRD") -> None:
        submitted = next(s for s in self.submitted if s.message_id == message_id)
        self._deliver(self._receipt(submitted, state))

    def mo(self, phone: str, text: str) -> None:
        try:
            data, coding = encode_gsm7(text), consts.SMPP_ENCODING_DEFAULT
        except ValueError:
            data, coding = text.encode("utf-16-be"), consts.SMPP_ENCODING_ISO10646
        self._deliver(
            self._pdu(
                "deliver_sm",
                source_addr_ton=consts.SMPP_TON_INTL,
                source_addr_npi=consts.SMPP_NPI_ISDN,
                source_addr=phone,
                dest_addr_ton=consts.SMPP_TON_NATNL,
                destination_addr=self.short_code,
                esm_class=0,
                data_coding=coding,
                short_message=data,
            )
        )

    # ------------------------------------------------------------------ what phones got

    def messages_to(self, phone: str) -> list[str]:
        """The texts `phone` shows: single SMS, and concatenated ones once all their parts arrived."""
        texts, assembling = [], {}
        for submitted in [s for s in self.submitted if s.destination == phone]:
            text = message_text(submitted.pdu)
            if submitted.concatenation is None:
                texts.append(text)
                continue
            reference, total, number = submitted.concatenation
            parts = assembling.setdefault((reference, total), {})
            parts[number] = text
            if len(parts) == total:
                texts.append("".join(parts[n] for n in range(1, total + 1)))
                del assembling[(reference, total)]
        return texts

    # ------------------------------------------------------------------ the server

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return  # stopped
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as SMSCs do: PDUs are small
            session = _Session(sock)
            with self._lock:
                self._sessions.append(session)
            threading.Thread(target=self._serve, args=(session,), name="fake-smsc-conn", daemon=True).start()

    def _serve(self, session: _Session) -> None:
        reader = session.sock.makefile("rb")
        try:
            while True:
                head = reader.read(4)
                if len(head) < 4:
                    return
                (length,) = struct.unpack(">L", head)
                pdu = smpp.parse_pdu(
                    head + reader.read(length - 4), client=self._sequences, allow_unknown_opt_params=True
                )
                if not self._handle(session, pdu):
                    return
        except (OSError, ValueError):
            return
        finally:
            session.close()
            with self._lock:
                if session in self._sessions:
                    self._sessions.remove(session)

    def _handle(self, session: _Session, pdu) -> bool:
        """Answer one PDU; False when the session ends."""
        command = pdu.command
        if command == "bind_transceiver":
            ok = (pdu.system_id.decode(), pdu.password.decode()) == (self.system_id, self.password)
            status = consts.SMPP_ESME_ROK if ok else consts.SMPP_ESME_RBINDFAIL
            self.binds.append((pdu.system_id.decode(), status))
            session.bound = ok
            session.write(self._answer(pdu, "bind_transceiver_resp", status, system_id="FakeSMSC"))
        elif command == "enquire_link":
            self.enquire_links += 1
            if not self.silent:
                session.write(self._answer(pdu, "enquire_link_resp"))
        elif command == "submit_sm":
            self.received += 1
            if self.received == self._drop_at:
                return False
            self._held.append(pdu)
            if len(self._held) >= self.answer_together:
                held, self._held = self._held, []
                for request in held:
                    self._submit(session, request)
        elif command == "deliver_sm_resp":
            self.deliver_answers.append(pdu.status)
        elif command == "unbind":
            session.write(self._answer(pdu, "unbind_resp"))
            return False
        return True

    def _submit(self, session: _Session, pdu) -> None:
        status = consts.SMPP_ESME_ROK
        if not session.bound:
            status = consts.SMPP_ESME_RINVBNDSTS
        elif self._throttles > 0:
            self._throttles -= 1
            status = consts.SMPP_ESME_RTHROTTLED
        elif pdu.destination_addr.decode() in self.unknown_numbers or not pdu.destination_addr.isdigit():
            status = consts.SMPP_ESME_RINVDSTADR
        if status != consts.SMPP_ESME_ROK:
            self.refused.append(status)
            session.write(self._answer(pdu, "submit_sm_resp", status))
            return
        submitted = Submitted(f"{next(self._ids):x}", pdu)
        self.submitted.append(submitted)
        session.write(self._answer(pdu, "submit_sm_resp", message_id=submitted.message_id))
        if self.receipts and pdu.registered_delivery & consts.SMPP_SMSC_DELIVERY_RECEIPT_BOTH:
            session.write(self._receipt(submitted, "DELIVRD"))

    def _receipt(self, submitted: Submitted, state: str):
        now = datetime.now(UTC) + timedelta(hours=7)  # the SMSC's local time
        stamp = f"{now:%y%m%d%H%M}"
        delivered = "001" if state == "DELIVRD" else "000"
        text = (
            f"id:{submitted.message_id} sub:001 dlvrd:{delivered} submit date:{stamp} done date:{stamp} "
            f"stat:{state} err:000 text:"
        )
        return self._pdu(
            "deliver_sm",
            source_addr_ton=consts.SMPP_TON_INTL,
            source_addr_npi=consts.SMPP_NPI_ISDN,
            source_addr=submitted.destination,
            destination_addr=submitted.source,
            esm_class=RECEIPT,
            short_message=text.encode(),
            receipted_message_id=submitted.message_id,
            message_state=STATE_CODES.get(state, 7),
        )

    def _deliver(self, pdu) -> None:
        """Send a deliver_sm on the newest bound connection."""
        with self._lock:
            session = next((s for s in reversed(self._sessions) if s.bound), None)
        if session is None:
            raise RuntimeError("No ESME is bound to the fake SMSC: connect the channel first.")
        session.write(pdu)

    def _pdu(self, command: str, **fields):
        with self._lock:
            return smpp.make_pdu(command, client=self._sequences, **fields)

    def _answer(self, request, command: str, status: int = consts.SMPP_ESME_ROK, **fields):
        response = smpp.make_pdu(command, client=self._sequences, status=status, **fields)
        response.sequence = request.sequence
        return response
