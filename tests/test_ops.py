"""Health, metrics and production safety (the operations contract)."""

import pytest

from hotline.config import ConfigError, Settings


def test_healthz_says_which_part_failed_when_redis_is_down(client, redis_server):
    redis_server.stop()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert {k: response.json["checks"][k] for k in ("database", "redis")} == {"database": "ok", "redis": "unavailable"}


def test_metrics_refused_without_the_token(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_metrics_scrape_with_the_token(client, settings):
    client.get("/healthz")
    response = client.get("/metrics", headers={"Authorization": f"Bearer {settings.metrics_token}"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'hotline_webhook_seconds_count{route="/healthz"}' in body
    assert "hotline_queue_depth" in body


@pytest.mark.parametrize(
    "missing, message",
    [
        ({"TWILIO_AUTH_TOKEN": ""}, "TWILIO_AUTH_TOKEN"),
        ({"HOTLINE_VALIDATE_SIGNATURES": "false"}, "HOTLINE_VALIDATE_SIGNATURES"),
        ({"HOTLINE_API_TOKEN": "dev-api-token"}, "HOTLINE_API_TOKEN"),
        ({"HOTLINE_METRICS_TOKEN": "dev-metrics-token"}, "HOTLINE_METRICS_TOKEN"),
        ({"HOTLINE_PIN_PEPPER": ""}, "HOTLINE_PIN_PEPPER"),
        ({"HOTLINE_DESK_SECRET_KEY": "dev-desk-secret-key"}, "HOTLINE_DESK_SECRET_KEY"),
    ],
)
def test_production_refuses_unsafe_settings(missing, message):
    environ = {
        "HOTLINE_ENV": "production",
        "TWILIO_AUTH_TOKEN": "5f0c" * 8,
        "HOTLINE_API_TOKEN": "a-real-api-token-" + "7a" * 16,
        "HOTLINE_METRICS_TOKEN": "a-real-metrics-token-" + "3b" * 16,
        "HOTLINE_PIN_PEPPER": "a-real-pepper-" + "c4" * 16,
        "HOTLINE_DESK_SECRET_KEY": "a-real-desk-key-" + "d5" * 16,
    }
    Settings.from_env(environ)  # the complete set starts
    environ.update(missing)
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(environ)


def test_each_job_logs_one_line_with_its_id_outcome_and_time(rt):
    import io
    import json
    import logging

    from rq import SimpleWorker

    from hotline.logs import JsonFormatter
    from workers import jobs

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("workers.jobs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    jobs.use_runtime(rt)
    try:
        queue = rt.queue()
        job = queue.enqueue(jobs.scan, "2026-11-24")
        SimpleWorker([queue], connection=rt.redis).work(burst=True)
    finally:
        logger.removeHandler(handler)
        jobs.use_runtime(None)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    done = [line for line in lines if line["message"] == "job"]
    assert len(done) == 1
    assert done[0]["request_id"] == job.id and done[0]["job"] == "scan" and done[0]["outcome"] == "ok"
    assert done[0]["ms"] >= 0
