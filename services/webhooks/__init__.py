"""Webhooks, the first channel on the event stream: registry (who may register which URL for which
events), hooks (which webhooks an event goes to, in which shape; the outbox's resolve and recorded
hooks) and wiring (their place on services.events and services.outbox)."""
