"""The SMPP channel against a fake SMSC on 127.0.0.1: bind, concatenation, receipts, MO messages,
throttling, a dropped link, the window; and the log backend."""

import logging
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from smpplib import consts

from services.core.sms_text import segments
from services.outbox.channels.base import Outgoing
from services.outbox.channels.sms import (
    LogSms,
    SmppChannel,
    SmsSettings,
    e164_digits,
    make_channel,
)
from tests.fake_smsc import FakeSmsc

PHONE = "84912345678"
LONG_ALERT = (
    "CẢNH BÁO LỪA ĐẢO: Đối tượng giả danh Công an phường Hải Châu gọi điện yêu cầu chuyển tiền để "
    "“xác minh” tài khoản. Không chuyển tiền, không cung cấp mã OTP; gọi 113 hoặc Công an phường. "
    "https://dn.gov.vn/s/7Kq2 UBND P. Hai Chau"
)


class Inbox:
    """What the channel's callbacks were told (they run on the reader thread)."""

    def __init__(self):
        self.receipts: list[tuple] = []
        self.messages: list[tuple] = []
        self.fail_next = False
        self.changed = threading.Condition()

    def on_receipt(self, message_id, status, when):
        with self.changed:
            self.receipts.append((message_id, status, when))
            self.changed.notify_all()

    def on_message(self, phone, text):
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("the database is away")
        with self.changed:
            self.messages.append((phone, text))
            self.changed.notify_all()

    def wait(self, what, count):
        with self.changed:
            assert self.changed.wait_for(lambda: len(getattr(self, what)) >= count, timeout=5), what
        return getattr(self, what)


@pytest.fixture(scope="module")
def server():
    fake = FakeSmsc().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(server):
    server.reset()
    yield server
    server.drop_link()


@pytest.fixture
def inbox():
    return Inbox()


@pytest.fixture
def channel(fake, inbox):
    channel = SmppChannel(fake.settings(), inbox.on_receipt, inbox.on_message)
    yield channel
    channel.close()


def sms(text: str, phone: str = PHONE, expires_at: str | None = None) -> Outgoing:
    payload = {"text": text, "expires_at": expires_at}
    return Outgoing(uuid.uuid4(), "sms", phone, payload, attempts=0, target={"phone": phone})


def wait_until(predicate, what: str) -> None:
    deadline = time.monotonic() + 5
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


# ---------------------------------------------------------------- settings


def test_settings_from_the_environment():
    assert SmsSettings.from_config({}).backend == "log"
    settings = SmsSettings.from_config(
        {
            "SMS_BACKEND": "smpp",
            "SMS_SMPP_URL": "smpp://citizen:s%40cret@smsc.example.vn:2775",
            "SMS_SOURCE_ADDR": "UBND DN",
            "SMS_ENCODING": "ucs2",
            "SMS_WINDOW": "20",
        }
    )
    assert (settings.host, settings.port, settings.system_id, settings.password) == (
        "smsc.example.vn",
        2775,
        "citizen",
        "s@cret",
    )
    assert (settings.encoding, settings.window, settings.enquire_link_seconds, settings.timeout) == (
        "ucs2",
        20,
        30.0,
        10.0,
    )
    assert settings.source_ton_npi == (consts.SMPP_TON_ALNUM, consts.SMPP_NPI_UNK)
    short_code = SmsSettings.from_config({**settings_config(), "SMS_SOURCE_ADDR": "8079"})
    assert short_code.source_ton_npi == (consts.SMPP_TON_NATNL, consts.SMPP_NPI_ISDN)


def settings_config():
    return {
        "SMS_BACKEND": "smpp",
        "SMS_SMPP_URL": "smpp://citizen:pw@smsc:2775",
        "SMS_SOURCE_ADDR": "UBND DN",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"SMS_BACKEND": "http"}, "SMS_BACKEND must be log or smpp"),
        ({"SMS_SMPP_URL": "http://smsc:2775"}, "SMS_SMPP_URL must look like"),
        ({"SMS_SMPP_URL": "smpp://smsc:2775"}, "SMS_SMPP_URL must look like"),
        ({"SMS_SOURCE_ADDR": ""}, "SMS_SOURCE_ADDR"),
        ({"SMS_SOURCE_ADDR": "UBND Da Nang City"}, "SMS_SOURCE_ADDR"),
        ({"SMS_ENCODING": "utf8"}, "SMS_ENCODING"),
        ({"SMS_WINDOW": "0"}, "must be positive"),
    ],
)
def test_bad_settings_say_what_is_wrong(changes, message):
    with pytest.raises(ValueError, match=message):
        SmsSettings.from_config({**settings_config(), **changes})


# ---------------------------------------------------------------- sending


def test_a_wrong_password_is_a_retry_that_says_so(fake, inbox):
    wrong = fake.settings(SMS_SMPP_URL=f"smpp://citizen:wrong@127.0.0.1:{fake.port}")
    channel = SmppChannel(wrong, *callbacks(inbox))
    result = channel.send(sms("Thử"))
    assert result.kind == "retry"
    assert "refused the bind as 'citizen'" in result.detail
    assert "SMS_SMPP_URL" in result.detail and "Bind Failed" in result.detail
    assert fake.binds == [("citizen", consts.SMPP_ESME_RBINDFAIL)]
    assert fake.submitted == []


def test_an_unreachable_smsc_is_a_retry(inbox):
    free = FakeSmsc()
    settings = free.settings()
    free.stop()  # nobody listens there now
    result = SmppChannel(settings, *callbacks(inbox)).send(sms("Thử"))
    assert result.kind == "retry"
    assert "Cannot reach the SMSC" in result.detail


def callbacks(inbox):
    return inbox.on_receipt, inbox.on_message


def test_a_short_sms_arrives_unaccented_from_the_brandname(fake, channel):
    result = channel.send(sms("Cảnh báo: giả danh công an — gọi 113. UBND P. Hải Châu"))
    assert result.kind == "sent"
    assert result.provider_id == fake.submitted[-1].message_id
    assert fake.messages_to(PHONE) == ["Canh bao: gia danh cong an - goi 113. UBND P. Hai Chau"]
    assert fake.submitted[-1].source == "UBND DN"
    assert fake.binds == [("citizen", consts.SMPP_ESME_ROK)]  # bound once, lazily


def test_an_alert_over_while_its_sms_waited_is_not_sent(fake, channel, caplog):
    over = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()

    batch = [sms("Lũ đang lên: sơ tán ngay.", expires_at=over), sms("Còn hiệu lực", expires_at=later)]

    results = channel.send_batch(batch)

    assert (results[0].kind, results[0].detail) == ("failed", "Expired before it could be delivered.")
    assert results[1].kind == "sent" and fake.messages_to(PHONE) == ["Con hieu luc"]
    log_backend = make_channel(SmsSettings.from_config({}), lambda *a: None, lambda *a: None)
    with caplog.at_level(logging.INFO, logger="citizen.sms"):
        assert log_backend.send(sms("Lũ đang lên", expires_at=over)).kind == "failed"
    assert not [r for r in caplog.records if "log backend) to" in r.getMessage()]


def test_a_two_segment_message_arrives_reassembled(fake, channel):
    result = channel.send(sms(LONG_ALERT))
    assert result.kind == "sent"
    assert len(fake.submitted) == 2
    assert result.provider_id == fake.submitted[-1].message_id  # the last part's, whose receipt is asked
    assert fake.messages_to(PHONE) == [
        'CANH BAO LUA DAO: Doi tuong gia danh Cong an phuong Hai Chau goi dien yeu cau chuyen tien de "xac '
        'minh" tai khoan. Khong chuyen tien, khong cung cap ma OTP; goi 113 hoac Cong an phuong. '
        "https://dn.gov.vn/s/7Kq2 UBND P. Hai Chau"
    ]


def test_in_unicode_the_diacritics_arrive(fake, inbox):
    channel = SmppChannel(fake.settings(SMS_ENCODING="ucs2"), *callbacks(inbox))
    try:
        assert channel.send(sms(LONG_ALERT)).kind == "sent"
    finally:
        channel.close()
    assert len(fake.submitted) == segments(LONG_ALERT, "ucs2") == 4
    assert fake.messages_to(PHONE) == [LONG_ALERT]


def test_receipts_call_on_receipt_with_the_message_id(fake, channel, inbox):
    fake.receipts = True
    first = channel.send(sms("Tin thứ nhất"))
    second = channel.send(sms(LONG_ALERT, phone="84987654321"))
    receipts = inbox.wait("receipts", 2)
    assert {(message_id, status) for message_id, status, _ in receipts} == {
        (first.provider_id, "DELIVRD"),
        (second.provider_id, "DELIVRD"),
    }
    assert all(abs(time.time() - when.timestamp()) < 120 for _, _, when in receipts)  # read as Vietnam time
    fake.send_receipt(first.provider_id, "UNDELIV")
    assert inbox.wait("receipts", 3)[-1][:2] == (first.provider_id, "UNDELIV")
    wait_until(lambda: len(fake.deliver_answers) == 3, "the deliver_sm_resp")
    assert fake.deliver_answers == [consts.SMPP_ESME_ROK] * 3


def test_a_mobile_originated_message_calls_on_message(fake, channel, inbox):
    channel.connect()  # at the worker's start: MO messages flow before anything is sent
    fake.mo("84912345678", "DK Hai Chau")
    fake.mo("84987654321", "Đăng ký Hải Châu")  # a phone that writes Unicode sends UCS-2
    assert inbox.wait("messages", 2) == [("84912345678", "DK Hai Chau"), ("84987654321", "Đăng ký Hải Châu")]


def test_a_callback_that_fails_is_answered_so_the_smsc_delivers_again(fake, channel, inbox):
    channel.connect()
    inbox.fail_next = True
    fake.mo(PHONE, "HUY")
    wait_until(lambda: fake.deliver_answers, "the deliver_sm_resp")
    assert fake.deliver_answers == [consts.SMPP_ESME_RX_T_APPN]
    assert inbox.messages == []


def test_national_numbers_become_e164_digits():
    assert e164_digits("0912345678") == "84912345678"
    assert e164_digits("+84912345678") == "84912345678"
    assert e164_digits("0084912345678") == "84912345678"


def test_a_bad_destination_is_gone(fake, channel):
    fake.unknown_numbers.add("84900000000")
    result = channel.send(sms("Thử", phone="84900000000"))
    assert result.kind == "gone"
    assert "Invalid Destination Address" in result.detail


def test_nothing_left_to_send_is_failed(fake, channel):
    result = channel.send(sms("🚨🚨"))  # nothing of it is GSM-7
    assert result.kind == "failed"
    assert fake.received == 0


def test_throttling_is_a_retry_after_and_nothing_is_submitted_until_it_passes(fake, channel):
    fake.throttle(times=1)
    result = channel.send(sms("Tin 1"))
    assert result.kind == "retry"
    assert result.after > 0
    assert "Throttling" in result.detail

    held = channel.send(sms("Tin 2"))
    assert held.kind == "retry" and 0 < held.after <= result.after
    assert fake.received == 1  # the second SMS never reached the SMSC

    time.sleep(result.after)
    assert channel.send(sms("Tin 2")).kind == "sent"
    assert fake.messages_to(PHONE) == ["Tin 2"]


def test_a_dropped_link_reconnects_on_the_next_send(fake, channel):
    assert channel.send(sms("Trước")).kind == "sent"
    fake.drop_link()
    assert channel.send(sms("Sau")).kind == "sent"
    assert fake.messages_to(PHONE) == ["Truoc", "Sau"]
    assert [status for _, status in fake.binds] == [consts.SMPP_ESME_ROK] * 2


def test_an_idle_link_is_kept_alive_with_enquire_link(fake, inbox):
    channel = SmppChannel(fake.settings(SMS_ENQUIRE_LINK_SECONDS="0.05"), *callbacks(inbox))
    try:
        channel.connect()
        wait_until(lambda: fake.enquire_links >= 3, "enquire_link")
        assert channel.send(sms("Vẫn kết nối")).kind == "sent"
        assert len(fake.binds) == 1  # the same bind all along
    finally:
        channel.close()


def test_an_smsc_that_stops_answering_is_dropped_and_bound_again(fake, inbox, caplog):
    channel = SmppChannel(fake.settings(SMS_ENQUIRE_LINK_SECONDS="0.05"), *callbacks(inbox))
    try:
        channel.connect()
        fake.silent = True
        wait_until(lambda: "no answer to enquire_link" in caplog.text, "the link dropped")
        fake.silent = False
        assert channel.send(sms("Lại kết nối")).kind == "sent"
        assert len(fake.binds) == 2
    finally:
        channel.close()


def test_the_submission_in_flight_when_the_link_drops_is_retried(fake, channel):
    fake.drop_at(1)
    lost = channel.send(sms("Tin khẩn"))
    assert lost.kind == "retry"
    assert "link was lost" in lost.detail
    assert channel.send(sms("Tin khẩn")).kind == "sent"
    assert fake.messages_to(PHONE) == ["Tin khan"]


def test_an_accepted_part_is_not_sent_again_after_a_reconnect(fake, channel):
    delivery = sms(LONG_ALERT)
    fake.drop_at(2)  # the first part is accepted, the link drops on the second
    assert channel.send(delivery).kind == "retry"
    again = channel.send(delivery)  # the outbox's next try
    assert again.kind == "sent"
    assert fake.received == 3  # part 1, part 2 lost with the link, part 2 again
    assert len(fake.messages_to(PHONE)) == 1  # one message, assembled from the same reference


def test_sends_are_pipelined_up_to_the_window(fake, inbox):
    channel = SmppChannel(fake.settings(SMS_WINDOW="5"), *callbacks(inbox))
    try:
        fake.answer_together = 5  # answers nothing until five are outstanding
        results = channel.send_batch([sms(f"Tin {n}") for n in range(20)])
        assert [result.kind for result in results] == ["sent"] * 20
        assert len({result.provider_id for result in results}) == 20
        assert fake.messages_to(PHONE) == [f"Tin {n}" for n in range(20)]
    finally:
        channel.close()


def test_the_window_is_never_exceeded(fake, inbox):
    channel = SmppChannel(fake.settings(SMS_WINDOW="5", SMS_TIMEOUT="0.5"), *callbacks(inbox))
    try:
        fake.answer_together = 6  # a sixth outstanding submit_sm never comes
        results = channel.send_batch([sms(f"Tin {n}") for n in range(6)])
        assert {result.kind for result in results} == {"retry"}
        assert fake.received == 5
        assert fake.submitted == []
    finally:
        channel.close()


def test_submits_and_receipt_answers_share_the_link_without_a_pdu_lost_or_torn(fake, inbox):
    """The sender and the reader (answering each receipt) write to one socket at once: every submit_sm
    and every deliver_sm_resp must reach the SMSC whole and in time."""
    channel = SmppChannel(fake.settings(SMS_WINDOW="10", SMS_TIMEOUT="5"), *callbacks(inbox))
    try:
        fake.receipts = True
        results = channel.send_batch([sms(f"Tin {n}", phone=f"849{n:08d}") for n in range(500)])
        assert [result.kind for result in results] == ["sent"] * 500
        receipts = inbox.wait("receipts", 500)
        assert {message_id for message_id, _, _ in receipts} == {result.provider_id for result in results}
        wait_until(lambda: len(fake.deliver_answers) == 500, "the deliver_sm_resp")
        assert fake.deliver_answers == [consts.SMPP_ESME_ROK] * 500
    finally:
        channel.close()


def test_a_callback_cannot_send_through_the_channel(fake, inbox):
    answers = []

    def reply(phone, text):
        try:
            channel.send(sms("Xac nhan", phone=phone))
        except RuntimeError as error:
            answers.append(str(error))

    channel = SmppChannel(fake.settings(), inbox.on_receipt, reply)
    try:
        channel.connect()
        fake.mo(PHONE, "DK Hai Chau")
        wait_until(lambda: answers, "the callback")
        assert "enqueue the reply" in answers[0]
    finally:
        channel.close()


# ---------------------------------------------------------------- the log backend


def test_the_log_backend_writes_each_sms_to_the_log(caplog):
    channel = make_channel(SmsSettings.from_config({}), lambda *a: None, lambda *a: None)
    assert isinstance(channel, LogSms)
    with caplog.at_level(logging.INFO, logger="citizen.sms"):
        result = channel.send(sms(LONG_ALERT))
    assert result.kind == "sent"
    assert result.provider_id.startswith("logged/")
    line = caplog.records[-1].getMessage()
    assert line.startswith(f"sms (log backend) to {PHONE}, 2 segment(s): CANH BAO LUA DAO")
