"""Razorpay signature checks: the published vector, tampered and re-serialised bodies."""

from __future__ import annotations

import json

from payments.events import sign, to_gateway_event, verify_payment, verify_webhook

SECRET = "whsec_test"
BODY = (
    b'{"entity":"event","event":"payment.captured","payload":{"payment":{"entity":'
    b'{"id":"pay_1","amount":10000,"currency":"INR","status":"captured",'
    b'"order_id":"order_1","notes":{"mentorbot_payment_id":"7"}}}}}'
)


def test_payment_signature_vector() -> None:
    sig = "b2335e3b0801106b84a7faff035df56ecffde06918c9ddd1f0fafbb37a51cc89"
    assert verify_payment("fake_order_id", "fake_payment_id", sig, "key_secret")
    assert not verify_payment("fake_order_id", "fake_payment_id2", sig, "key_secret")
    assert not verify_payment("fake_order_id", "fake_payment_id", sig, "other_secret")


def test_webhook_signature_over_the_raw_body() -> None:
    sig = sign(BODY, SECRET)
    assert verify_webhook(BODY.decode(), sig, SECRET)
    assert not verify_webhook(BODY.decode(), sig, "another_secret")
    assert not verify_webhook(BODY.decode(), "", SECRET)
    assert not verify_webhook(BODY.decode(), "not-hex-é", SECRET)


def test_a_tampered_body_is_rejected() -> None:
    sig = sign(BODY, SECRET)
    tampered = BODY.replace(b'"amount":10000', b'"amount":99000')
    assert not verify_webhook(tampered.decode(), sig, SECRET)


def test_a_reserialised_body_is_rejected() -> None:
    # Same JSON value, different bytes: the signature is over bytes, so parse-then-dump fails.
    sig = sign(BODY, SECRET)
    again = json.dumps(json.loads(BODY), indent=1).encode()
    assert json.loads(again) == json.loads(BODY)
    assert not verify_webhook(again.decode(), sig, SECRET)


def test_event_parsing() -> None:
    ev = to_gateway_event("evt_1", json.loads(BODY))
    assert (ev.kind, ev.gateway_payment_id, ev.gateway_order_id) == ("captured", "pay_1", "order_1")
    assert (ev.amount, ev.currency, ev.payment_ref) == (10000, "INR", 7)
    failed = to_gateway_event(
        "evt_2",
        {
            "event": "payment.failed",
            "payload": {"payment": {"entity": {"id": "pay_2", "error_description": "no"}}},
        },
    )
    assert (failed.kind, failed.reason) == ("failed", "no")
    assert to_gateway_event("evt_3", {"event": "refund.processed"}).kind == "other"
