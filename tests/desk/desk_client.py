"""Staff accounts and a signed-in test client for the desk's pages (real forms, real CSRF tokens)."""

from __future__ import annotations

from bs4 import BeautifulSoup

from hotline.services import staff as staff_service

AGENT = ("李娜", "agent", "agent-password-1", "+8613900139000")
SUPERVISOR = ("王强", "supervisor", "supervisor-password-1", "+8613900139001")


def add(rt, name: str, role: str, password: str, phone: str | None = None) -> int:
    with rt.transaction() as session:
        return staff_service.add_staff(
            session, name, role, password, pepper=rt.settings.pin_pepper, now=rt.clock.now(), phone=phone
        ).id


def csrf_token(html: str) -> str:
    field = BeautifulSoup(html, "html.parser").find("input", attrs={"name": "csrf_token"})
    assert field is not None, "the page has no form with a CSRF token"
    return field["value"]


def sign_in(client, name: str, password: str):
    """Open the sign-in page, then post the form with the token it carries, as a browser does."""
    page = client.get("/desk/login")
    token = csrf_token(page.get_data(as_text=True))
    return client.post("/desk/login", data={"name": name, "password": password, "csrf_token": token})


def post_form(client, page_path: str, action: str, data: dict | None = None, **kwargs):
    """Post `data` to `action` with the CSRF token of the page at `page_path`."""
    token = csrf_token(client.get(page_path).get_data(as_text=True))
    return client.post(action, data={**(data or {}), "csrf_token": token}, **kwargs)


def text(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ", strip=True)
