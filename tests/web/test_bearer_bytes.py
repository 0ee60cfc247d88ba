"""A bearer token with non-ASCII characters is a wrong token (401), over real HTTP and through the app."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

NON_ASCII = ["令牌", "dev-api-tokén", "dev-api-token\u00a0", "🔑"]


@pytest.mark.parametrize("token", NON_ASCII)
@pytest.mark.parametrize("path", ["/api/changes", "/metrics"])
def test_a_non_ascii_bearer_token_sent_as_utf8_bytes_is_refused_with_401(served_app, path, token):
    port = urlsplit(served_app.extensions["hotline"].settings.public_url).port
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("GET", path)
    connection.putheader("Authorization", b"Bearer " + token.encode("utf-8"))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 401 and response.getheader("WWW-Authenticate") == "Bearer"
    connection.close()


@pytest.mark.parametrize("token", NON_ASCII)
def test_a_non_ascii_bearer_token_is_refused_and_the_right_one_still_opens(client, token):
    assert client.get("/api/changes", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/api/changes", headers={"Authorization": "Bearer dev-api-token"}).status_code == 200
