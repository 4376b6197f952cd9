"""SMS submissions per second through SmppChannel (claims of 500 through send_batch: the text unaccented
and cut, the window, every answer classified) to the fake SMSC, against plain smpplib loops sending the
same texts to the same SMSC. The reference is smpplib's README pattern (a listener thread reading the
answers) held to the same window of 10 outstanding submit_sm an SMSC grants; shown besides, the same loop
with no window (the fake SMSC does not enforce one; a real one answers ESME_RTHROTTLED) and a loop that
waits for each submit_sm_resp. Delivery receipts are on: every message sent through the channel must come
back to on_receipt (all counted over every round). All in one process on 127.0.0.1, TCP_NODELAY on every
socket (without it, Nagle holds each small deliver_sm_resp for an ACK and any loop falls to tens a second).
`python -m bench.sms` runs it alone."""

import socket
import statistics
import threading
import time
import uuid

import smpplib.client
import smpplib.gsm
from smpplib import consts

from services.core.sms_text import as_sent
from services.outbox.channels.base import Outgoing
from services.outbox.channels.sms import SmppChannel
from tests.fake_smsc import FakeSmsc

MESSAGES = 3000
CLAIM = 500  # the outbox worker's claim size
WINDOW = 10
ROUNDS = 5  # the threads' scheduling makes single rounds swing ±0.1
PLAIN = {"window": WINDOW, "unbounded": None, "wait_each": 1}  # the plain loops and their windows
PHONES = [f"8491{n:07d}" for n in range(MESSAGES)]
TEXT = "Canh bao lua dao so {n}: gia danh cong an goi dien yeu cau chuyen tien. Goi 113. UBND P. Hai Chau"


def run(messages: int = MESSAGES, rounds: int = ROUNDS) -> dict:
    """Each loop `rounds` times, alternated (the shared machine's load weighs on all alike); medians."""
    runs = {"channel": [], **{name: [] for name in PLAIN}}
    fake = FakeSmsc().start()
    try:
        for _ in range(rounds):
            for name in runs:
                fake.reset()
                fake.receipts = True
                if name == "channel":
                    runs[name].append(_channel(fake, messages))
                else:
                    runs[name].append(_plain(fake, messages, PLAIN[name]))
    finally:
        fake.stop()
    result = {name: statistics.median_low([r["per_second"] for r in done]) for name, done in runs.items()}
    receipts = min(r["receipts"] for r in runs["channel"])
    sent = min(r["sent"] for r in runs["channel"])
    return {"messages": messages, "rounds": rounds, "receipts": receipts, "sent": sent, **result}


def _channel(fake: FakeSmsc, messages: int) -> dict:
    receipts, arrived = set(), threading.Condition()

    def on_receipt(message_id, status, when):
        with arrived:
            receipts.add(message_id)
            arrived.notify_all()

    channel = SmppChannel(fake.settings(SMS_WINDOW=str(WINDOW)), on_receipt, lambda phone, text: None)
    channel.connect()
    batch = [
        Outgoing(uuid.uuid4(), "sms", phone, {"text": TEXT.format(n=n)}, attempts=0, target={"phone": phone})
        for n, phone in enumerate(PHONES[:messages])
    ]
    started = time.perf_counter()
    results = []
    for start in range(0, messages, CLAIM):
        results += channel.send_batch(batch[start : start + CLAIM])
    elapsed = time.perf_counter() - started
    sent = {result.provider_id for result in results if result.kind == "sent"}
    with arrived:
        arrived.wait_for(lambda: sent <= receipts, timeout=60)
    channel.close()
    return {"per_second": messages / elapsed, "sent": len(sent), "receipts": len(sent & receipts)}


def _plain(fake: FakeSmsc, messages: int, window: int | None) -> dict:
    """smpplib's README loop; `window` None: unbounded; 1: each answer read before the next submit."""
    settings = fake.settings()
    client = smpplib.client.Client(settings.host, settings.port, allow_unknown_opt_params=True)
    answered, done = [0], threading.Event()
    outstanding = threading.BoundedSemaphore(window or 1)
    pipelined = window != 1

    def sent_handler(pdu, **kwargs):
        answered[0] += 1
        if window:
            outstanding.release()
        if answered[0] == messages:
            done.set()

    client.set_message_sent_handler(sent_handler)
    client.set_message_received_handler(lambda pdu, **kwargs: None)
    client.connect()
    client._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as the channel does
    client.bind_transceiver(system_id=settings.system_id, password=settings.password)
    listener = None
    if pipelined:
        listener = threading.Thread(target=_listen, args=(client, done), daemon=True)
        listener.start()
    started = time.perf_counter()
    for n, phone in enumerate(PHONES[:messages]):
        parts, coding, esm_class = smpplib.gsm.make_parts(as_sent(TEXT.format(n=n), "gsm7"))
        for part in parts:
            if window:
                outstanding.acquire()
            client.send_message(
                source_addr_ton=consts.SMPP_TON_ALNUM,
                source_addr=settings.source_addr,
                dest_addr_ton=consts.SMPP_TON_INTL,
                dest_addr_npi=consts.SMPP_NPI_ISDN,
                destination_addr=phone,
                short_message=part,
                data_coding=coding,
                esm_class=esm_class,
                registered_delivery=consts.SMPP_SMSC_DELIVERY_RECEIPT_BOTH,
            )
            if not pipelined:
                before = answered[0]
                while answered[0] == before:
                    client.read_once()
    done.wait(60)
    elapsed = time.perf_counter() - started
    fake.drop_link()
    if listener:
        listener.join(5)
    client.state = consts.SMPP_CLIENT_STATE_OPEN
    client.disconnect()
    return {"per_second": messages / elapsed, "sent": answered[0]}


def _listen(client, done: threading.Event) -> None:
    try:
        while not done.is_set():
            client.read_once()
    except smpplib.exceptions.ConnectionError:
        pass


def summary(result: dict) -> str:
    receipts, sent = result["receipts"], result["sent"]
    channel, window, unbounded, wait_each = (
        result[name] for name in ("channel", "window", "unbounded", "wait_each")
    )
    ratio = channel / window
    return (
        f"Median of {result['rounds']} alternated rounds of {result['messages']:,} SMS each.\n\n"
        "| | submissions/s | ratio (channel / this) |\n|---|---|---|\n"
        f"| SmppChannel.send_batch (window {WINDOW}, claims of {CLAIM}) | {channel:,.0f} | |\n"
        f"| plain smpplib, listener thread, window {WINDOW} | {window:,.0f} | {ratio:.2f} |\n"
        f"| plain smpplib, listener thread, no window | {unbounded:,.0f} | {channel / unbounded:.2f} |\n"
        f"| plain smpplib, each submit_sm_resp awaited | {wait_each:,.0f} | {channel / wait_each:.2f} |\n\n"
        f"Ratio to the plain loop with the same window {ratio:.2f} — target ≥ 0.8: "
        f"**{'met' if ratio >= 0.8 else 'MISSED'}**. Delivery receipts "
        f"recorded: {receipts:,} of {sent:,} sent "
        f"({'all' if receipts == sent == result['messages'] else 'MISSING SOME'})."
    )


if __name__ == "__main__":
    print(summary(run()))
