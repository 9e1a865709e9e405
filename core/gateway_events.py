"""Gateway webhooks and reconciliation as units of work (the events go through the table)."""

from __future__ import annotations

import logging

from core.services.payments import GatewayEvent
from core.uow import Deps, unit_of_work

log = logging.getLogger(__name__)


async def apply_gateway_event(deps: Deps, ev: GatewayEvent) -> str:
    """One unit of work: dedupe, move the payment forward, credit escrow, raise events."""
    async with unit_of_work(deps) as u:
        return await u.payments.apply(ev)


async def reconcile_pending(deps: Deps) -> int:
    """Ask the gateway about payments left pending; apply what it says. Returns changes."""
    gw = deps.gateway
    if gw is None:
        return 0
    async with unit_of_work(deps) as u:
        pending = [(p.id, p.gateway_order_id) for p in await u.payments.stale()]
    changed = 0
    for _pid, order_id in pending:
        assert order_id is not None
        try:
            attempts = await gw.order_payments(order_id)
        except Exception:
            log.exception("reconcile: gateway didn't answer about order %s", order_id)
            continue
        # A captured attempt wins; otherwise report the latest failure.
        ordered = sorted(attempts, key=lambda a: a.status != "captured")
        for a in ordered:
            if a.status not in ("captured", "failed"):
                continue
            outcome = await apply_gateway_event(
                deps,
                GatewayEvent(
                    event_id=f"reconcile:{a.payment_id}:{a.status}",
                    kind=a.status,
                    gateway_payment_id=a.payment_id,
                    gateway_order_id=order_id,
                    amount=a.amount,
                    currency=a.currency,
                    reason=a.error,
                ),
            )
            if outcome in ("captured", "failed"):
                changed += 1
                break
    return changed
