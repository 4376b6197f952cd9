"""Every message text a citizen receives, per message and language, in one place.

Subscribers pick a message key (an event name, or an event name and a detail such as the stage a
notice reached) and fill the `{placeholders}` with the subject's values; channels get the result.
"vi" is required; "*" is the form for any other language the subject itself is written in (an alert's
French translation keeps its own headline without a prefix). A province that wants other wording
changes the strings here (docs/outbox.md says how); the placeholders are the contract.
"""

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    # A new feedback's receipt: its tracking code and deadline stay in the inbox of every device.
    "feedback.created": {
        "vi": ("Đã nhận phản ánh {code}", "{department} sẽ trả lời trước {due_time} ngày {due_date}."),
        "en": ("We received your report {code}", "{department} will answer by {due_date} {due_time}."),
    },
    "feedback.transferred": {
        "vi": ("Phản ánh {code} đã được chuyển", "Đơn vị xử lý mới: {department}."),
        "en": ("Your report {code} was transferred", "Now handled by: {department}."),
    },
    "feedback.answered": {
        "vi": ("Phản ánh {code} đã có trả lời", "{answer}"),
        "en": ("Your report {code} has an answer", "{answer}"),
    },
    "feedback.closed.resolved": {
        "vi": ("Phản ánh {code} đã đóng", "Vấn đề đã được giải quyết."),
        "en": ("Your report {code} was closed", "The issue was resolved."),
    },
    "feedback.closed.unresolved": {
        "vi": ("Phản ánh {code} đã đóng", "Hồ sơ đã đóng nhưng vấn đề chưa được giải quyết."),
        "en": ("Your report {code} was closed", "Closed without the issue being resolved."),
    },
    "alert.published": {
        "vi": ("{headline}", "{description}"),
        "*": ("{headline}", "{description}"),
    },
    "alert.updated": {
        "vi": ("Cập nhật: {headline}", "{description}"),
        "en": ("Update: {headline}", "{description}"),
        "*": ("{headline}", "{description}"),
    },
    "alert.cancelled": {
        "vi": ("Đã hủy: {headline}", "{reason}"),
        "en": ("Cancelled: {headline}", "{reason}"),
        "*": ("{headline}", "{reason}"),
    },
    "notice.published": {
        "vi": ("{title}", "{summary}"),
        "*": ("{title}", "{summary}"),
    },
    "notice.consultation": {
        "vi": ("Lấy ý kiến dự thảo: {title}", "{summary}"),
        "en": ("Draft open for comments: {title}", "{summary}"),
        "*": ("Draft open for comments: {title}", "{summary}"),
    },
    "notice.adopted": {
        "vi": ("Đã thông qua: {title}", "{summary}"),
        "en": ("Adopted: {title}", "{summary}"),
        "*": ("Adopted: {title}", "{summary}"),
    },
    "notice.in_effect": {
        "vi": ("Có hiệu lực: {title}", "{summary}"),
        "en": ("Now in effect: {title}", "{summary}"),
        "*": ("Now in effect: {title}", "{summary}"),
    },
    "consultation.comment_replied": {
        "vi": ("Cơ quan soạn thảo đã trả lời góp ý của bạn", "{reply}"),
        "en": ("Your comment on a draft was answered", "{reply}"),
    },
    # A fact-check on a claim the citizen reported or asked about (services/publishing/fact_checks.py).
    "fact_check.published": {
        "vi": ("Kết quả kiểm chứng: {rating}", "{department}: {claim}"),
        "en": ("Fact-check: {rating}", "{department}: {claim}"),
    },
    # The steps of a citizen's request about their personal data (services/privacy/requests.py).
    "privacy.request_answered": {
        "vi": ("Yêu cầu về dữ liệu cá nhân đã được trả lời", "Xem câu trả lời trong ứng dụng."),
        "en": ("Your personal data request was answered", "See the answer in the app."),
    },
    "privacy.request_extended": {
        "vi": ("Yêu cầu về dữ liệu cá nhân được gia hạn", "Xem lý do và thời hạn mới trong ứng dụng."),
        "en": ("Your personal data request was extended", "See the reason and the new deadline in the app."),
    },
    "privacy.request_completed": {
        "vi": ("Yêu cầu về dữ liệu cá nhân đã được thực hiện", "Xem kết quả trong ứng dụng."),
        "en": ("Your personal data request was carried out", "See what was done in the app."),
    },
    "privacy.request_closed": {
        "vi": ("Yêu cầu về dữ liệu cá nhân đã đóng", "Xem kết quả trong ứng dụng."),
        "en": ("Your personal data request was closed", "See the outcome in the app."),
    },
    # A breach touching the citizen's data, when the officer decides they must be told (services/privacy).
    "privacy.breach": {
        "vi": ("Thông báo sự cố dữ liệu cá nhân", "{message}"),
        "en": ("A personal data incident concerns you", "{message}"),
    },
}


def has(key: str) -> bool:
    return key in TEXTS


def render(key: str, values: dict[str, dict[str, str]] | dict[str, str], languages=("vi", "en")) -> dict:
    """{language: {"title", "body"}} for `key` in each of `languages` that has a form.

    `values` is either one mapping for every language, or {language: mapping} when the subject has
    its own translations (an alert's headline in English)."""
    forms = TEXTS[key]
    content = {}
    for lang in languages:
        form = forms.get(lang) or forms.get("*")
        if form is None:
            continue
        filled = values.get(lang, values.get("vi")) if _per_language(values) else values
        title, body = form
        content[lang] = {"title": title.format_map(filled), "body": body.format_map(filled)}
    return content


def _per_language(values: dict) -> bool:
    return "vi" in values and isinstance(values["vi"], dict)
