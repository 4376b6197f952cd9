"""The domain: one module per capability. Services own transactions and never import flask.request."""
