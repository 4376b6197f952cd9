from tests.conftest import assert_problem


def test_healthz_and_readyz(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").get_json() == {"status": "ready"}


def test_unknown_url_is_a_problem(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404, "not_found")
