"""The push ceiling: a plain loop of firebase-admin send_each_for_multicast calls, 500 tokens each, to
the fake FCM server. `python -m bench.multicast_loop FAKE_URL SERVICE_ACCOUNT COUNT`; prints its peak
RSS (KiB)."""

import resource
import sys

import firebase_admin
from firebase_admin import credentials, messaging

url, account, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = firebase_admin.initialize_app(credentials.Certificate(account))
service = messaging._get_messaging_service(app)
service._fcm_url = f"{url}/v1/projects/{app.project_id}/messages:send"
tokens = [f"bench-token-{i}" for i in range(1, count + 1)]
notification = messaging.Notification(title="Trả lời", body="Đã xử lý.")
for start in range(0, count, 500):
    batch = messaging.MulticastMessage(tokens=tokens[start : start + 500], notification=notification)
    messaging.send_each_for_multicast(batch, app=app)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
