"""The morning's bulletins of every commune of one province, made by the worker's chore with their audio:
the worker's memory (RSS, from /proc) after each tenth of the communes must stay flat, and the seconds a
commune takes. `python -m bench.bulletins DATABASE_URL` runs it alone against a migrated database."""

import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from api import create_app
from services.core import areas
from services.core.db import utcnow
from services.models import Alert, AlertPlace, Department
from services.publishing import bulletins

PROVINCE = 48  # Đà Nẵng
STEPS = 10


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def province_alert(db) -> None:
    """One active severe alert for the whole province, so that every commune has something to air."""
    department = db.query(Department).filter(Department.province_code == PROVINCE).first()
    now = utcnow()
    alert = Alert(
        id=uuid.uuid4(),
        department_id=department.id,
        category="disaster",
        headline="Bão số 15 đổ bộ, gió giật cấp 12",
        description="Từ 20h00 ngày 03/12/2026 gió mạnh cấp 10, giật cấp 12, mưa 200 - 300 mm.",
        instruction="Gia cố nhà cửa, không ra biển, di dời khỏi vùng trũng thấp. Gọi 112 khi cần cứu hộ.",
        severity="severe",
        severity_rank=3,
        urgency="immediate",
        certainty="likely",
        status="published",
        targets={"national": False, "province_codes": [PROVINCE], "ward_codes": []},
        expires_at=now + timedelta(days=2),
        sent_at=now,
        cap_messages=[],
    )
    db.add(alert)
    db.add(AlertPlace(alert_id=alert.id, scope="province", code=PROVINCE))
    db.commit()


def run(url: str) -> dict:
    app = create_app({"DATABASE_URL": url, "ATTACHMENTS_DIR": tempfile.mkdtemp(prefix="citizen-audio-")})
    database = app.extensions["database"]
    communes = len(areas.wards(PROVINCE))
    with app.app_context():
        db = database.session()
        province_alert(db)
        samples, started = [(0, rss_mib())], time.perf_counter()
        made = 0
        step = max(1, communes // STEPS)
        while made < communes:
            done = bulletins.prepare_morning(db, hour=0, batch=step)
            if not done:
                break
            made += done
            samples.append((made, rss_mib()))
        seconds = time.perf_counter() - started
    return {"communes": communes, "made": made, "seconds": seconds, "samples": samples}


def lines(result: dict) -> list[str]:
    samples = result["samples"]
    first = next((mib for made, mib in samples if made), samples[0][1])
    made, seconds = result["made"], result["seconds"]
    return [
        f"{made} of {result['communes']} communes of Đà Nẵng got a morning bulletin with Ogg and MP3 audio "
        f"in {seconds:.0f} s ({seconds / max(1, made):.1f} s a commune).\n",
        "| communes made | worker RSS (MiB) |\n|---|---|",
        *(f"| {made} | {mib:.0f} |" for made, mib in samples),
        f"\nGrowth from the first step to the last: {samples[-1][1] - first:+.0f} MiB (flat is the target).",
    ]


if __name__ == "__main__":
    for line in lines(run(sys.argv[1])):
        print(line)
