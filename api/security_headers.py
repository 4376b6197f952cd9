"""Security headers on every response, and the Swagger UI page they allow.

HTML (only /docs today) gets a strict Content-Security-Policy: scripts, styles and fonts from the app
itself, never inline, so an injected `<script>` does not run; everything else a policy that loads nothing.
No page may be framed (clickjacking). A response that set its own policy keeps it (attachments are
sandboxed). HSTS only in production, where the proxy serves HTTPS; CORS is api/__init__.py's.
"""

from flask import Flask, Response, render_template

HTML_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    production = app.config["APP_ENV"] == "production"
    # Written out once per app: (lowercased name, name, value) for HTML answers and for all others.
    wanted = {
        html: tuple(
            (name.lower(), name, value)
            for name, value in (
                ("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "no-referrer"),
                ("X-Frame-Options", "DENY"),
                ("Content-Security-Policy", HTML_POLICY if html else OTHER_POLICY),
                *((("Strict-Transport-Security", HSTS),) if production else ()),
            )
        )
        for html in (True, False)
    }
    app.after_request(lambda response: _add_headers(response, wanted[response.mimetype == "text/html"]))


def _add_headers(response: Response, wanted: tuple[tuple[str, str, str], ...]) -> Response:
    """Those the response has not set itself, added in one pass (every answer pays for this hook)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers}  # Headers iterate as (name, value)
    headers.extend([(name, value) for lowered, name, value in wanted if lowered not in present])
    return response


def swagger_ui(api) -> str:
    """flask-restx's Swagger UI page, its start-up script in a file (static/docs.js) instead of inline."""
    return render_template("docs.html", title=api.title, specs_url=api.specs_url)
