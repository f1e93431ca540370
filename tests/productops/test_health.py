"""/healthz: what a load balancer or an on-call engineer reads."""

from django.test import Client

from productops.celery import app as celery_app


def test_healthz_reports_the_database_and_the_broker_up(db):
    response = Client().get("/healthz")

    assert response.status_code == 200
    report = response.json()
    assert report["ok"] is True
    assert report["components"] == {"database": {"ok": True}, "broker": {"ok": True}}


def test_healthz_answers_503_naming_the_broker_when_it_is_down(db):
    broker_url = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = Client().get("/healthz")
    finally:
        celery_app.conf.broker_url = broker_url

    assert response.status_code == 503
    report = response.json()
    assert report["ok"] is False
    assert report["components"]["database"] == {"ok": True}
    assert report["components"]["broker"]["ok"] is False
    assert "127.0.0.1:1" in report["components"]["broker"]["error"]
    assert Client().get("/healthz").status_code == 200


def test_livez_answers_without_touching_the_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
