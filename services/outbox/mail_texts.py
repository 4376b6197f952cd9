"""Every text of the e-mail staff receive (focal points, assigned officers), per message and language.

Like services/outbox/texts.py for citizens: "vi" is the default and required, "en" beside it; the
subscriber (services/staff_mail) fills the `{placeholders}`. A message is a subject, an opening line,
and labelled facts about the feedback (or the digest's lists); `feedback_mail` and `digest_mail` make
the plain text and the simple HTML of one e-mail.
"""

from html import escape

MESSAGES: dict[str, dict[str, tuple[str, str]]] = {
    "feedback.created": {
        "vi": ("[{code}] Phản ánh mới: {category}", "{department} vừa nhận một phản ánh mới của người dân."),
        "en": ("[{code}] New feedback: {category}", "{department} has received new feedback from a citizen."),
    },
    "feedback.transferred": {
        "vi": (
            "[{code}] Phản ánh được chuyển đến: {category}",
            "{from_department} đã chuyển phản ánh này đến {department}.",
        ),
        "en": (
            "[{code}] Feedback transferred to you: {category}",
            "{from_department} transferred this feedback to {department}.",
        ),
    },
    "feedback.assigned": {
        "vi": ("[{code}] Phản ánh được giao cho bạn: {category}", "Bạn được giao xử lý phản ánh này."),
        "en": ("[{code}] Feedback assigned to you: {category}", "This feedback was assigned to you."),
    },
    "feedback.overdue": {
        "vi": (
            "[{code}] Phản ánh đã quá hạn xử lý",
            "Phản ánh này của {department} đã quá hạn mà chưa được trả lời.",
        ),
        "en": (
            "[{code}] Feedback past its deadline",
            "This feedback of {department} is past its deadline without an answer.",
        ),
    },
    # The breach register's 72-hour clock (services/privacy/breaches.py), to the data-protection officers.
    "breach.reminder": {
        "vi": (
            "Sự cố dữ liệu cá nhân: còn {hours} giờ để thông báo Bộ Công an",
            "Sự cố này chưa được thông báo cho Bộ Công an (A05); hạn là 72 giờ kể từ khi phát hiện.",
        ),
        "en": (
            "Personal data breach: {hours} hours left to notify the Ministry of Public Security",
            "This breach is not yet notified to the Ministry of Public Security (A05); the law allows 72 "
            "hours from detection.",
        ),
    },
    "breach.overdue": {
        "vi": (
            "Sự cố dữ liệu cá nhân: đã quá hạn thông báo Bộ Công an",
            "Đã quá 72 giờ kể từ khi phát hiện mà sự cố chưa được thông báo cho Bộ Công an (A05).",
        ),
        "en": (
            "Personal data breach: notification to the Ministry of Public Security overdue",
            "72 hours have passed since detection and the breach is not yet notified to the Ministry of "
            "Public Security (A05).",
        ),
    },
    "digest": {
        "vi": (
            "Tổng hợp phản ánh ngày {date}: {department}",
            "Tình hình phản ánh của {department} ngày {date}.",
        ),
        "en": ("Feedback digest for {date}: {department}", "Feedback of {department} on {date}."),
    },
}

LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "code": "Mã phản ánh",
        "category": "Lĩnh vực",
        "place": "Địa điểm",
        "deadline": "Hạn xử lý",
        "link": "Xem và xử lý",
        "new": "Mới nhận",
        "due_today": "Đến hạn hôm nay",
        "overdue": "Quá hạn",
        "more": "và {count} phản ánh khác",
        "breach": "Sự cố",
        "detected": "Phát hiện lúc",
        "notify_by": "Hạn thông báo",
        "footer": (
            "Thư tự động của hệ thống tiếp nhận phản ánh. "
            'Tắt thư: PATCH /api/v1/users/me {"email_notifications": false}.'
        ),
    },
    "en": {
        "code": "Tracking code",
        "category": "Category",
        "place": "Place",
        "deadline": "Deadline",
        "link": "Open",
        "new": "New",
        "due_today": "Due today",
        "overdue": "Overdue",
        "more": "and {count} more",
        "breach": "Breach",
        "detected": "Detected",
        "notify_by": "Notify by",
        "footer": (
            "An automatic message of the feedback system. "
            'To stop it: PATCH /api/v1/users/me {"email_notifications": false}.'
        ),
    },
}

# "17:30 ngày 10/12/2026 (5 ngày làm việc)": the deadline as Vietnamese offices write it.
DEADLINES = {
    "vi": {
        "days": "{time} ngày {date} ({count} ngày làm việc)",
        "hours": "{time} ngày {date} ({count} giờ làm việc)",
    },
    "en": {"days": "{date} {time} ({count} working days)", "hours": "{date} {time} ({count} working hours)"},
}

LANGUAGES = tuple(MESSAGES["digest"])


def language_of(tag: str | None) -> str:
    return tag if tag in LANGUAGES else "vi"


def deadline(language: str, unit: str, when, count: int) -> str:
    """`when` (a local datetime) and the allowance in working `unit`s ("days" or "hours")."""
    form = DEADLINES[language][unit]
    return form.format(time=f"{when:%H:%M}", date=f"{when:%d/%m/%Y}", count=count)


def feedback_mail(key: str, language: str, values: dict, facts: list[tuple[str, str]], link: str) -> dict:
    """One e-mail about one feedback: `facts` are (label key, value) lines; `link` opens it."""
    subject, opening = (form.format_map(values) for form in MESSAGES[key][language])
    return _mail(language, subject, opening, [_facts(language, facts)], link)


def digest_mail(language: str, values: dict, sections: list[tuple[str, list[dict]]], more: dict) -> dict:
    """The daily digest: per section ("new", "due_today", "overdue") its items {code, category,
    deadline, link}; `more[section]` counts the items left out."""
    subject, opening = (form.format_map(values) for form in MESSAGES["digest"][language])
    labels = LABELS[language]
    blocks = []
    for section, items in sections:
        lines = [
            (f"{i['code']}: {i['category']}, {labels['deadline'].lower()} {i['deadline']}", i["link"])
            for i in items
        ]
        if more.get(section):
            lines.append((labels["more"].format(count=more[section]), None))
        blocks.append(_Section(f"{labels[section]} ({len(items) + more.get(section, 0)})", lines))
    return _mail(language, subject, opening, blocks, None)


class _Section:
    """A heading and its lines, each with an optional link."""

    def __init__(self, heading: str | None, lines: list[tuple[str, str | None]]):
        self.heading, self.lines = heading, lines

    def text(self) -> str:
        lines = [f"- {line}" + (f"\n  {link}" if link else "") for line, link in self.lines]
        return "\n".join(([self.heading] if self.heading else []) + lines)

    def html(self) -> str:
        items = "".join(
            f'<li><a href="{escape(link)}">{escape(line)}</a></li>' if link else f"<li>{escape(line)}</li>"
            for line, link in self.lines
        )
        heading = f"<h3>{escape(self.heading)}</h3>" if self.heading else ""
        return f"{heading}<ul>{items}</ul>"


class _Facts(_Section):
    def text(self) -> str:
        return "\n".join(f"{label}: {value}" for label, value in self.lines)

    def html(self) -> str:
        rows = "".join(
            f'<tr><th align="left">{escape(label)}</th><td>{escape(value)}</td></tr>'
            for label, value in self.lines
        )
        return f"<table>{rows}</table>"


def _facts(language: str, facts: list[tuple[str, str]]) -> _Facts:
    return _Facts(None, [(LABELS[language][key], value) for key, value in facts])


def _mail(language: str, subject: str, opening: str, blocks: list[_Section], link: str | None) -> dict:
    labels = LABELS[language]
    text = [opening, *(block.text() for block in blocks)]
    html = [f"<p>{escape(opening)}</p>", *(block.html() for block in blocks)]
    if link:
        text.append(f"{labels['link']}: {link}")
        html.append(f'<p><a href="{escape(link)}">{escape(labels["link"])}</a></p>')
    text.append(f"-- \n{labels['footer']}")
    html.append(f"<p><small>{escape(labels['footer'])}</small></p>")
    body = "".join(html)
    return {
        "subject": subject,
        "text": "\n\n".join(text) + "\n",
        "html": (
            f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8"></head>'
            f"<body>{body}</body></html>\n"
        ),
    }
