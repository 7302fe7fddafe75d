"""Vaccine stock: lots received by a facility, transferred between facilities, and what remains.

A lot's stock at one facility is::

    remaining = received + transferred in - administered - transferred out

`received` is what the facility took in from the supply chain (`Lot.quantity_received`, topped
up by each receipt of the same lot), the transfers are rows of `LotTransfer`, and administered
counts the doses given from the lot, probable duplicates left out (recorded twice, given once).

A transfer never makes the source's stock negative: the source lot's row is locked
(``SELECT … FOR UPDATE`` on PostgreSQL) before its stock is read, so two transfers out of one
lot run one after the other and the second sees the first. SQLite has no row locks: there the
transfer first writes the lot row (a no-op update), which takes the database's write lock
before the stock is read. Recording a dose is not held back by the stock: a dose given is a
fact, and a negative remainder then says the records and the fridge disagree.

Who may receive and transfer is `issuer.services.scope`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from issuer.models import Dose, Lot, LotTransfer, VaccineProduct
from issuer.services import audit, scope
from issuer.services.errors import Conflict, Invalid, IssuerCode
from issuer.services.registry import facility_ref
from issuer.services.scope import Actor
from issuer.services.unique import insert_if_absent

STOCK_MAX = 2**31 - 1  # the INTEGER column's bound: a receipt beyond it is refused


@dataclass(frozen=True, slots=True)
class LotStock:
    """A lot at one facility: what came in, went out and remains."""

    id: int
    number: str
    product_code: str
    expires_on: date
    received: int
    administered: int
    transferred_in: int = 0
    transferred_out: int = 0

    @property
    def remaining(self) -> int:
        """Received and transferred in, minus administered and transferred out; negative means
        the records disagree with the stock.
        """  # noqa: D205
        return self.received + self.transferred_in - self.administered - self.transferred_out


@dataclass(frozen=True, slots=True)
class Receipt:
    """A receipt's outcome: the lot's stock after it, and whether the lot is new there."""

    lot: LotStock
    created: bool


@dataclass(frozen=True, slots=True)
class Transfer:
    """One transfer as recorded, with both lots' stock after it."""

    id: int
    number: str
    product_code: str
    quantity: int
    from_facility_id: int
    to_facility_id: int
    by: str
    at: datetime
    source: LotStock
    destination: LotStock


def _stock(session: Session, *where: object) -> list[LotStock]:
    """The stock of the lots that `where` selects, by expiry then number."""
    lots = select(Lot.id, Lot.facility_id).where(*where).subquery()  # type: ignore[arg-type]
    administered = (
        select(Dose.lot_id, func.count().label("n"))
        .join(lots, (lots.c.id == Dose.lot_id) & (lots.c.facility_id == Dose.facility_id))
        .where(Dose.probable_duplicate_of.is_(None))
        .group_by(Dose.lot_id)
        .subquery()
    )
    moved_in = (
        select(LotTransfer.to_lot_id.label("lot_id"), func.sum(LotTransfer.quantity).label("n"))
        .where(LotTransfer.to_lot_id.in_(select(lots.c.id)))
        .group_by(LotTransfer.to_lot_id)
        .subquery()
    )
    moved_out = (
        select(LotTransfer.from_lot_id.label("lot_id"), func.sum(LotTransfer.quantity).label("n"))
        .where(LotTransfer.from_lot_id.in_(select(lots.c.id)))
        .group_by(LotTransfer.from_lot_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Lot.id,
            Lot.number,
            Lot.product_code,
            Lot.expires_on,
            Lot.quantity_received,
            func.coalesce(administered.c.n, 0),
            func.coalesce(moved_in.c.n, 0),
            func.coalesce(moved_out.c.n, 0),
        )
        .outerjoin(administered, administered.c.lot_id == Lot.id)
        .outerjoin(moved_in, moved_in.c.lot_id == Lot.id)
        .outerjoin(moved_out, moved_out.c.lot_id == Lot.id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(Lot.expires_on, Lot.number)
    )
    return [
        LotStock(i, number, product, expires, received, int(used), int(came), int(went))
        for i, number, product, expires, received, used, came, went in rows
    ]


def lot_stock(session: Session, actor: Actor, facility_id: int) -> list[LotStock]:
    """The facility's lots with their stock, by expiry (use the soonest first).

    Raises:
        NotFound: FACILITY_NOT_FOUND.
        Forbidden: FORBIDDEN.
    """
    scope.require_facility(actor, facility_ref(session, facility_id))
    return _stock(session, Lot.facility_id == facility_id)


def _one(session: Session, lot_id: int) -> LotStock:
    return _stock(session, Lot.id == lot_id)[0]


def _mismatch(lot: Lot, product_code: str, expires_on: date) -> Conflict | None:
    if (lot.product_code, lot.expires_on) == (product_code, expires_on):
        return None
    return Conflict(
        IssuerCode.LOT_DETAILS_MISMATCH,
        f"lot {lot.number} at facility {lot.facility_id} is {lot.product_code} expiring "
        f"{lot.expires_on}, not {product_code} expiring {expires_on}",
    )


def _lot_for(
    session: Session, facility_id: int, number: str, product_code: str, expires_on: date
) -> tuple[Lot, bool]:
    """The facility's lot `number`, added with nothing received if it is new (and whether it
    was); a lot of that number with another product or expiry is refused.

    Raises:
        Conflict: LOT_DETAILS_MISMATCH.
    """  # noqa: D205
    values = {
        "facility_id": facility_id,
        "number": number,
        "product_code": product_code,
        "expires_on": expires_on,
        "quantity_received": 0,
    }
    created = insert_if_absent(session, Lot, values, ("facility_id", "number")) is not None
    lot = session.scalars(
        select(Lot)
        .where(Lot.facility_id == facility_id, Lot.number == number)
        .execution_options(populate_existing=True)
    ).one()
    if refusal := _mismatch(lot, product_code, expires_on):
        raise refusal
    return lot, created


def receive_lot(
    session: Session,
    actor: Actor,
    facility_id: int,
    *,
    number: str,
    product_code: str,
    expires_on: date,
    quantity: int,
    now: datetime,
) -> Receipt:
    """Take `quantity` doses of a lot into the facility's stock (a known lot is topped up).

    Raises:
        NotFound: FACILITY_NOT_FOUND.
        Forbidden: FORBIDDEN (the facility's admins, provincial and national admins).
        Invalid: FIELD_INVALID (quantity), PRODUCT_NOT_FOUND, LOT_EXPIRED.
        Conflict: LOT_DETAILS_MISMATCH (the facility has this lot number with another product
            or expiry).
    """
    facility = facility_ref(session, facility_id)
    scope.require_role(actor, scope.ADMIN_ROLES, "receiving a lot")
    scope.require_facility(actor, facility, write=True)
    if not 1 <= quantity <= STOCK_MAX:
        raise Invalid(IssuerCode.FIELD_INVALID, f"quantity: expected 1 to {STOCK_MAX}")
    if session.get(VaccineProduct, product_code) is None:
        raise Invalid(
            IssuerCode.PRODUCT_NOT_FOUND, f"product_code: {product_code!r} is not a known vaccine"
        )
    if expires_on < now.date():
        raise Invalid(IssuerCode.LOT_EXPIRED, f"lot {number} expired on {expires_on}")
    lot, created = _lot_for(session, facility.id, number, product_code, expires_on)
    if lot.quantity_received + quantity > STOCK_MAX:
        raise Invalid(
            IssuerCode.FIELD_INVALID,
            f"quantity: lot {number} would hold more than {STOCK_MAX} doses received",
        )
    session.execute(
        update(Lot)
        .where(Lot.id == lot.id)
        .values(quantity_received=Lot.quantity_received + quantity)
    )
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="receive-lot",
        entity="lot",
        entity_id=lot.id,
        details={
            "facility": facility.id,
            "number": number,
            "product": product_code,
            "expires_on": expires_on.isoformat(),
            "quantity": quantity,
        },
    )
    return Receipt(_one(session, lot.id), created)


def _lock_source(session: Session, facility_id: int, number: str) -> Lot | None:
    """The facility's lot `number`, locked until the transaction ends (see the module)."""
    where = (Lot.facility_id == facility_id, Lot.number == number)
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Lot).where(*where).values(number=Lot.number))
    return session.scalars(
        select(Lot).where(*where).with_for_update().execution_options(populate_existing=True)
    ).first()


def transfer(
    session: Session,
    actor: Actor,
    from_facility_id: int,
    *,
    number: str,
    to_facility_id: int,
    quantity: int,
    now: datetime,
) -> Transfer:
    """Move `quantity` doses of lot `number` from one facility's stock to another's.

    The destination's lot of the same number is created, or topped up. Refused when the lot
    has expired or has fewer than `quantity` doses left.

    Raises:
        NotFound: FACILITY_NOT_FOUND.
        Forbidden: FORBIDDEN (provincial admins within their province, national admins).
        Invalid: FIELD_INVALID (quantity), TRANSFER_TO_SAME_FACILITY, LOT_NOT_FOUND,
            LOT_EXPIRED.
        Conflict: STOCK_INSUFFICIENT, LOT_DETAILS_MISMATCH (the destination has this lot
            number with another product or expiry).
    """
    source = facility_ref(session, from_facility_id)
    scope.require_move_stock(actor, source)
    destination = facility_ref(session, to_facility_id)
    scope.require_move_stock(actor, destination)
    if not 1 <= quantity <= STOCK_MAX:
        raise Invalid(IssuerCode.FIELD_INVALID, f"quantity: expected 1 to {STOCK_MAX}")
    if source.id == destination.id:
        raise Invalid(
            IssuerCode.TRANSFER_TO_SAME_FACILITY, f"{source.code} cannot transfer to itself"
        )
    lot = _lock_source(session, source.id, number)
    if lot is None:
        raise Invalid(IssuerCode.LOT_NOT_FOUND, f"{source.code} never received lot {number!r}")
    if lot.expires_on < now.date():
        raise Invalid(
            IssuerCode.LOT_EXPIRED, f"lot {number} expired on {lot.expires_on}: not transferable"
        )
    remaining = _one(session, lot.id).remaining
    if quantity > remaining:
        raise Conflict(
            IssuerCode.STOCK_INSUFFICIENT,
            f"lot {number} at {source.code}: {remaining} doses remain, {quantity} asked",
        )
    target, _ = _lot_for(session, destination.id, number, lot.product_code, lot.expires_on)
    row = LotTransfer(
        from_lot_id=lot.id, to_lot_id=target.id, quantity=quantity, staff_id=actor.staff_id, at=now
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="transfer-lot",
        entity="lot_transfer",
        entity_id=row.id,
        details={
            "number": number,
            "from_facility": source.id,
            "to_facility": destination.id,
            "from_lot": lot.id,
            "to_lot": target.id,
            "quantity": quantity,
        },
    )
    return Transfer(
        row.id,
        number,
        lot.product_code,
        quantity,
        source.id,
        destination.id,
        actor.username,
        now,
        _one(session, lot.id),
        _one(session, target.id),
    )
