"""Signing in to the desk: accounts made by `flask staff add`, passwords checked against the slow hash,
CSRF on the form, lockout after five failures, sign-out, and the session cookie's flags."""

from __future__ import annotations

from sqlalchemy import select

from hotline.db.staff import Staff
from tests.desk.desk_client import AGENT, SUPERVISOR, add, post_form, sign_in, text


def test_flask_staff_add_makes_an_account_that_signs_in_with_its_password(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["staff", "add", "李娜", "--role", "agent", "--phone", "13900139000"],
        input="a-long-password\na-long-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "agent 李娜 added" in result.output
    rt = app.extensions["hotline"]
    with rt.transaction(read_only=True) as session:
        member = session.scalar(select(Staff).where(Staff.name == "李娜"))
        assert member.phone == "+8613900139000"
        assert member.password_hash.startswith("scrypt$") and "a-long-password" not in member.password_hash
    listed = runner.invoke(args=["staff", "list"])
    assert "李娜\tagent\t139****9000" in listed.output
    assert "13900139000" not in listed.output

    response = sign_in(client, "李娜", "a-long-password")
    assert response.status_code == 302 and response.headers["Location"] == "/desk"
    page = client.get("/desk")
    assert page.status_code == 200 and "李娜 (agent)" in text(page)


def test_flask_staff_add_refuses_a_short_password_an_unknown_role_and_a_second_account_of_one_name(app):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["staff", "add", "A", "--role", "agent", "--password", "short"])
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    role = runner.invoke(args=["staff", "add", "A", "--role", "boss", "--password", "long-enough-1"])
    assert role.exit_code != 0 and "boss" in role.output
    assert runner.invoke(args=["staff", "add", "A", "--role", "agent", "--password", "long-enough-1"]).exit_code == 0
    again = runner.invoke(args=["staff", "add", "A", "--role", "supervisor", "--password", "long-enough-1"])
    assert again.exit_code != 0 and "already" in again.output


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(app, client):
    add(app.extensions["hotline"], *AGENT)
    wrong = sign_in(client, AGENT[0], "not-the-password")
    unknown = sign_in(client, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match an account" in text(wrong) and text(wrong) == text(unknown)
    assert client.get("/desk").status_code == 302


def test_the_sign_in_form_without_its_csrf_token_is_refused(app, client):
    add(app.extensions["hotline"], *AGENT)
    response = client.post("/desk/login", data={"name": AGENT[0], "password": AGENT[2]})
    assert response.status_code == 400 and "expired" in text(response)
    assert client.get("/desk").status_code == 302


def test_five_failures_lock_the_account_for_fifteen_minutes_even_for_the_right_password(app, client, clock):
    add(app.extensions["hotline"], *AGENT)
    for _ in range(5):
        assert sign_in(client, AGENT[0], "wrong-password").status_code == 401
    right = sign_in(client, AGENT[0], AGENT[2])
    assert right.status_code == 401 and "do not match" in text(right)
    assert client.get("/desk").status_code == 302
    clock.advance(minutes=15, seconds=1)
    assert sign_in(client, AGENT[0], AGENT[2]).status_code == 302
    assert client.get("/desk").status_code == 200


def test_a_locked_account_and_an_unknown_name_get_the_same_answer_so_no_name_is_revealed(app, client):
    add(app.extensions["hotline"], *AGENT)
    for _ in range(5):
        sign_in(client, AGENT[0], "wrong-password")
        sign_in(client, "nobody", "wrong-password")
    locked = sign_in(client, AGENT[0], "wrong-password")
    unknown = sign_in(client, "nobody", "wrong-password")
    assert locked.status_code == unknown.status_code == 401
    assert text(locked) == text(unknown)
    assert "until" not in text(locked)


def test_a_success_resets_the_count_of_failures(app, client):
    add(app.extensions["hotline"], *AGENT)
    for _ in range(4):
        sign_in(client, AGENT[0], "wrong-password")
    assert sign_in(client, AGENT[0], AGENT[2]).status_code == 302
    for _ in range(4):
        sign_in(client, AGENT[0], "wrong-password")
    assert sign_in(client, AGENT[0], AGENT[2]).status_code == 302


def test_sign_out_ends_the_session(app, client):
    add(app.extensions["hotline"], *AGENT)
    sign_in(client, AGENT[0], AGENT[2])
    assert client.get("/desk").status_code == 200
    response = post_form(client, "/desk", "/desk/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/desk/login"
    assert client.get("/desk").status_code == 302


def test_sign_out_without_the_form_token_is_refused_and_keeps_the_session(app, client):
    add(app.extensions["hotline"], *AGENT)
    sign_in(client, AGENT[0], AGENT[2])
    assert client.post("/desk/logout").status_code == 400
    assert client.get("/desk").status_code == 200


def test_an_agent_is_refused_the_supervisors_pages_and_a_supervisor_opens_them(app, client):
    rt = app.extensions["hotline"]
    add(rt, *AGENT)
    add(rt, *SUPERVISOR)
    sign_in(client, AGENT[0], AGENT[2])
    for path in ("/desk/supervisor", "/desk/audit"):
        assert client.get(path).status_code == 403, path
    post_form(client, "/desk", "/desk/logout")
    sign_in(client, SUPERVISOR[0], SUPERVISOR[2])
    for path in ("/desk/supervisor", "/desk/audit"):
        assert client.get(path).status_code == 200, path


def test_the_sign_in_goes_back_to_the_page_asked_for_but_never_off_the_desk(app, client):
    add(app.extensions["hotline"], *SUPERVISOR)
    first = client.get("/desk/audit")
    assert first.status_code == 302 and first.headers["Location"].startswith("/desk/login?next=")
    token_page = client.get(first.headers["Location"])
    from tests.desk.desk_client import csrf_token

    form = {"name": SUPERVISOR[0], "password": SUPERVISOR[2], "csrf_token": csrf_token(token_page.get_data(True))}
    assert client.post("/desk/login?next=/desk/audit", data=form).headers["Location"] == "/desk/audit"
    post_form(client, "/desk", "/desk/logout")
    form["csrf_token"] = csrf_token(client.get("/desk/login").get_data(True))
    away = client.post("/desk/login?next=//evil.example/desk", data=form)
    assert away.headers["Location"] == "/desk"


def test_a_strangers_five_wrong_passwords_do_not_sign_out_the_member_already_at_work(app, client, clock):
    rt = app.extensions["hotline"]
    add(rt, *AGENT)
    assert sign_in(client, AGENT[0], AGENT[2]).status_code == 302
    stranger = app.test_client()
    for _ in range(5):
        assert sign_in(stranger, AGENT[0], "a-guess-1234").status_code == 401
    assert client.get("/desk").status_code == 200
    assert client.get("/desk/live.json").status_code == 200
    assert sign_in(stranger, AGENT[0], AGENT[2]).status_code == 401  # the lock still refuses a new sign-in


def test_a_password_reset_signs_out_every_open_session_of_that_member(app, client):
    rt = app.extensions["hotline"]
    add(rt, *AGENT)
    add(rt, *SUPERVISOR)
    assert sign_in(client, AGENT[0], AGENT[2]).status_code == 302
    colleague = app.test_client()
    assert sign_in(colleague, SUPERVISOR[0], SUPERVISOR[2]).status_code == 302
    reset = app.test_cli_runner().invoke(args=["staff", "password", AGENT[0], "--password", "a-new-password-2"])
    assert reset.exit_code == 0, reset.output
    assert client.get("/desk").status_code == 302
    assert client.get("/desk/live.json").status_code == 401
    assert colleague.get("/desk").status_code == 200  # another member's session is untouched
    assert sign_in(client, AGENT[0], "a-new-password-2").status_code == 302
    assert client.get("/desk").status_code == 200


def test_in_production_the_session_cookie_is_secure_http_only_and_same_site(settings, clock):
    from hotline.factory import create_app

    strong = settings.replace(
        env="production",
        twilio_auth_token="5f0c" * 8,
        api_token="api-" + "7a" * 16,
        metrics_token="metrics-" + "3b" * 16,
        pin_pepper="pepper-" + "c4" * 16,
        desk_secret_key="desk-" + "d5" * 16,
    )
    app = create_app(strong, clock=clock)
    try:
        add(app.extensions["hotline"], *AGENT)
        client = app.test_client()
        response = sign_in(client, AGENT[0], AGENT[2])
        cookie = next(
            value
            for name, value in response.headers.items()
            if name == "Set-Cookie" and value.startswith("hotline_desk=")
        )
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        app.extensions["hotline"].engine.dispose()
