"""The console's language: Flask-Babel with the vi (default) and en catalogues of translations/, the
choice remembered in the session (else the browser's Accept-Language), dates in Vietnamese office style
and deadlines counted in working time (services/core/deadlines.py).

The catalogues are kept as .po files only: the app compiles them into its instance folder when they are
newer than what is there, so `make run`, the tests and a deployment need no build step.
"""

import os
from datetime import datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request, session
from flask_babel import Babel, format_datetime, get_locale, gettext, ngettext

from services.core.db import utcnow
from services.core.deadlines import LOCAL, working_days_between
from services.feedback.workflow import OPEN

LANGUAGES = ("vi", "en")
CATALOGUES = Path(__file__).parent / "translations"


def init_app(app: Flask) -> None:
    compiled = Path(app.instance_path) / "translations"
    compile_catalogues(compiled)
    app.config.update(
        BABEL_DEFAULT_LOCALE="vi",
        BABEL_DEFAULT_TIMEZONE=str(LOCAL),
        BABEL_TRANSLATION_DIRECTORIES=str(compiled),
    )
    Babel(app, locale_selector=language)
    app.add_template_filter(when)
    app.add_template_global(deadline)


def compile_catalogues(target: Path) -> None:
    for po in CATALOGUES.glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(CATALOGUES).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as source:
            catalogue = read_po(source)
        partial = mo.with_suffix(f".{os.getpid()}.tmp")  # several workers may start at once
        with partial.open("wb") as out:
            write_mo(out, catalogue)
        partial.replace(mo)


def language() -> str:
    """The language chosen with the page's switch, else the browser's preference, else Vietnamese."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "vi"


def when(moment: datetime | None) -> str:
    """ "14:05 thứ Ba, 24/11/2026" (in Asia/Ho_Chi_Minh)."""
    if moment is None:
        return ""
    text = format_datetime(moment, "HH:mm EEEE, dd/MM/yyyy")
    if get_locale().language == "vi":  # written in a sentence: "thứ Ba", "Chủ nhật"
        text = text.replace("Thứ ", "thứ ").replace("Chủ Nhật", "Chủ nhật")
    return text


def deadline(status: str, due_at: datetime, now: datetime | None = None) -> tuple[bool, str]:
    """(overdue?, the words) for a feedback's or a claim's deadline, in working days; no words once it is
    answered (a claim: fact-checked)."""
    if status not in (*OPEN, "open"):
        return False, ""
    now = now or utcnow()
    if due_at >= now:
        left = working_days_between(now, due_at)
        if left == 0:
            return False, gettext("due today")
        return False, ngettext("%(num)d working day left", "%(num)d working days left", left)
    late = working_days_between(due_at, now)
    if late == 0:
        return True, gettext("overdue since today")
    return True, ngettext("%(num)d day overdue", "%(num)d days overdue", late)
