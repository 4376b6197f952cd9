"""The push ceiling: a plain loop of firebase-admin send_each_for_multicast calls, 500 tokens each, to
the fake FCM server, each call the message the FCM channel builds for the fan-out's payload (so only the
outbox's own work differs). `python -m bench.multicast_loop FAKE_URL SERVICE_ACCOUNT COUNT PAYLOAD_JSON`;
prints its peak RSS (KiB)."""

import json
import resource
import sys
from pathlib import Path

import firebase_admin
from firebase_admin import credentials, messaging

from services.outbox.channels import fcm_messages

url, account, count, payload_file = sys.argv[1:5]
payload = json.loads(Path(payload_file).read_text())
app = firebase_admin.initialize_app(credentials.Certificate(account))
service = messaging._get_messaging_service(app)
service._fcm_url = f"{url}/v1/projects/{app.project_id}/messages:send"
tokens = [f"bench-token-{i}" for i in range(1, int(count) + 1)]
for start in range(0, len(tokens), 500):
    batch = fcm_messages.multicast(payload, tokens[start : start + 500], "vi", quiet=False)
    messaging.send_each_for_multicast(batch, app=app)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
