"""Swagger UI at /docs renders in a real browser under the strict Content-Security-Policy (no inline
script or style): the `page` fixture fails the test on any CSP violation or script error."""

from tests.browser import *  # noqa: F403
from tests.browser import screenshot


def test_the_api_documentation_renders_under_the_csp(page):
    response = page.goto("/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    tags = page.locator(".opblock-tag")
    tags.first.wait_for(timeout=15_000)
    assert tags.count() > 15  # one per namespace, the Open311 façade included

    tags.filter(has_text="open311").click()  # collapsed by default (docExpansion none)
    operations = page.locator(".opblock")
    operations.first.wait_for()
    assert operations.count() == 5
    operations.filter(has_text="/open311/v2/requests.{format}").first.click()
    page.get_by_text("Try it out").wait_for()
    screenshot(page, "swagger-ui")
