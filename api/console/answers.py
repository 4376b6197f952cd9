"""A citizen's answers as staff read them: each field's label and, for choices, the option's label in the
page's language (never the stored key such as `flooding`)."""


def rows(fields: list[dict], answers: dict, language: str) -> list[tuple[str, str]]:
    """(label, value) for each answered field in the form's order; photos are shown apart."""
    shown_rows = []
    for spec in fields:
        value = answers.get(spec["name"])
        if value in (None, "", []) or spec["type"] == "photo":
            continue
        labels = {o["value"]: o["label"] for o in spec.get("options", [])}
        values = value if isinstance(value, list) else [value]
        shown = [_in(labels[v], language) if v in labels else str(v) for v in values]
        shown_rows.append((_in(spec["label"], language), ", ".join(shown)))
    return shown_rows


def summary(fields: list[dict], answers: dict, language: str, length: int = 160) -> str:
    """The answers for a glance in a list, cut at a word."""
    text = " · ".join(value for _, value in rows(fields, answers, language))
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + " …"


def _in(texts: dict, language: str) -> str:
    return texts.get(language) or texts.get("vi") or next(iter(texts.values()), "")
