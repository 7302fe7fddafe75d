"""Key rotation, revocation and trust-list distribution as a table of named scenarios.

Each scenario is a list of steps run against an in-memory PKI and publisher with a clock that
only moves when a step moves it: which keys exist, which lists are published and reach the
checkpoint, which certificates are signed, and the verdict each certificate must get.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hcert import codec
from hcert.errors import Category, ErrorCode, HcertError
from hcert.uvci import new_uvci
from keys.audit import MemoryAuditLog, verify_chain
from keys.lifecycle import LifecycleError, Policy
from keys.pki import Pki
from keys.registry import MemoryRegistry
from keys.store import MemoryKeyStore
from tests.factories import vaccination_json
from trust_list.publisher import MemoryPublisher
from trust_list.service import MemoryRevocations, TrustListService
from verifier.signed_store import SignedTrustStore
from verifier.verifier import Verifier

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


class SteppedClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self.instant = start

    def now(self) -> datetime:
        return self.instant


@dataclass
class World:
    """The PKI, its publisher, and one checkpoint pinned to the first CSCA."""

    grace: timedelta = timedelta(0)
    clock: SteppedClock = field(default_factory=lambda: SteppedClock(T0))
    certificates: dict[str, str] = field(default_factory=dict)
    uvcis: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.audit = MemoryAuditLog()
        self.pki = Pki(MemoryRegistry(), MemoryKeyStore(), MemoryKeyStore(), self.audit,
                       self.clock, Policy(), actor="scenario")  # fmt: skip
        self.publisher = MemoryPublisher()
        self.service = TrustListService(self.pki, self.publisher, MemoryRevocations())
        csca = self.pki.init_csca()
        self.pki.create_trust_list_signer()
        from cryptography import x509

        self.store = SignedTrustStore(
            [x509.load_der_x509_certificate(csca.certificate)], grace=self.grace
        )

    def verifier(self) -> Verifier:
        return Verifier(self.store, self.clock)


# -- steps: (name, *arguments) --------------------------------------------------------------


def run(world: World, step: tuple[Any, ...]) -> None:
    action, *args = step
    pki, now = world.pki, world.clock.now()
    if action == "create":
        pki.create_dsc(args[0])
    elif action == "advance":
        world.clock.instant += args[0]
    elif action == "rotate":
        pki.rotate(args[0])
    elif action == "revoke":
        pki.revoke(args[0], reason="compromise")
    elif action == "publish":
        world.service.publish()
    elif action == "sync":  # the checkpoint fetches the newest list
        assert world.store.update(world.publisher.files[world.publisher.latest_version()], now)
    elif action == "sign":  # certificate name, DSC name
        cert, dsc = args
        uvci = world.uvcis.setdefault(cert, new_uvci())
        expires = now + pki.policy.certificate_validity
        signer = pki.signer_for(dsc, expires)
        world.certificates[cert] = codec.sign(vaccination_json(v=[{**vaccination_json()["v"][0], "ci": uvci}]),
                                              signer, issuer="VN", issued_at=now, expires_at=expires)  # fmt: skip
    elif action == "refused":  # DSC name, lifecycle code
        dsc, code = args
        with pytest.raises(LifecycleError) as e:
            pki.signer_for(dsc, now + pki.policy.certificate_validity)
        assert e.value.code == code
    elif action == "revoke-certificate":
        world.service.revoke_certificate(world.uvcis[args[0]])
    elif action == "expect":  # certificate name, category
        cert, category = args
        verdict = world.verifier().verify(world.certificates[cert])
        assert verdict.category is category, f"{cert}: {verdict.code} {verdict.message}"
    elif action == "weekly-until":  # publish and sync at most 6 days apart until an instant
        while world.clock.now() < args[0]:
            run(world, ("advance", min(6 * DAY, args[0] - world.clock.now())))
            run(world, ("publish",))
            run(world, ("sync",))
    else:
        raise AssertionError(f"unknown step {action}")


LIVE = ("advance", 48 * HOUR)  # past the publish-before-use lead time

SCENARIOS: dict[str, list[tuple[Any, ...]]] = {
    "normal rotation: old certificates stay valid, new ones use the successor": [
        ("create", "dsc-a"), ("publish",), ("sync",), LIVE,
        ("sign", "c1", "dsc-a"),
        ("rotate", "dsc-a"), ("publish",), ("sync",),
        ("sign", "c2", "dsc-a"),  # the predecessor signs until its successor activates
        LIVE,
        ("refused", "dsc-a", "KEY_RETIRED"),
        ("sign", "c3", "dsc-a-2"), ("publish",), ("sync",),
        ("expect", "c1", Category.VALID), ("expect", "c2", Category.VALID),
        ("expect", "c3", Category.VALID),
    ],
    "signing before the lead time is refused": [
        ("create", "dsc-a"), ("publish",), ("sync",),
        ("refused", "dsc-a", "KEY_PENDING"),
        ("advance", 47 * HOUR), ("refused", "dsc-a", "KEY_PENDING"),
        ("advance", HOUR), ("sign", "c1", "dsc-a"), ("expect", "c1", Category.VALID),
    ],
    "a retired DSC verifies its certificates to their exp": [
        ("create", "dsc-a"), ("publish",), ("sync",), LIVE,
        ("sign", "c1", "dsc-a"), ("rotate", "dsc-a"), ("publish",), ("sync",), LIVE,
        ("weekly-until", T0 + 2 * DAY + 364 * DAY),
        ("expect", "c1", Category.VALID),
        ("weekly-until", T0 + 2 * DAY + 366 * DAY),
        ("expect", "c1", Category.EXPIRED),
    ],
    "compromise: revoke, re-issue under a new DSC": [
        ("create", "dsc-a"), ("create", "dsc-b"), ("publish",), ("sync",), LIVE,
        ("sign", "c1", "dsc-a"), ("sign", "c2", "dsc-a"),
        ("revoke", "dsc-a"), ("refused", "dsc-a", "KEY_REVOKED"),
        ("sign", "c1-new", "dsc-b"), ("sign", "c2-new", "dsc-b"),
        ("expect", "c1", Category.VALID),  # the checkpoint has not heard yet
        ("publish",), ("sync",),
        ("expect", "c1", Category.KEY_REVOKED), ("expect", "c2", Category.KEY_REVOKED),
        ("expect", "c1-new", Category.VALID), ("expect", "c2-new", Category.VALID),
    ],
    "a single certificate revoked": [
        ("create", "dsc-a"), ("publish",), ("sync",), LIVE,
        ("sign", "c1", "dsc-a"), ("sign", "c2", "dsc-a"),
        ("revoke-certificate", "c1"), ("publish",), ("sync",),
        ("expect", "c1", Category.REVOKED), ("expect", "c2", Category.VALID),
    ],
    "an expired list makes every verdict TRUST_LIST": [
        ("create", "dsc-a"), ("publish",), ("sync",), LIVE,
        ("sign", "c1", "dsc-a"), ("expect", "c1", Category.VALID),
        ("advance", 5 * DAY), ("expect", "c1", Category.TRUST_LIST),
    ],
}  # fmt: skip


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(name: str) -> None:
    world = World()
    for step in SCENARIOS[name]:
        run(world, step)
    assert verify_chain(world.audit.lines) is None  # every key operation is in the audit chain


# -- the checkpoint's store refusing bad lists --------------------------------------------------


def _published(world: World) -> bytes:
    world.service.publish()
    return world.publisher.files[world.publisher.latest_version()]


def test_rollback_to_an_older_list_is_refused_and_an_equal_version_is_a_no_op() -> None:
    world = World()
    old, new = _published(world), _published(world)
    assert world.store.update(new, world.clock.now())
    assert world.store.update(new, world.clock.now()) is False  # equal version: nothing changes
    with pytest.raises(HcertError) as e:
        world.store.update(old, world.clock.now())
    assert e.value.code is ErrorCode.TRUST_LIST_ROLLBACK
    assert world.store.version == 2


def test_a_list_signed_by_an_unknown_key_is_refused() -> None:
    world, stranger = World(), World()
    with pytest.raises(HcertError) as e:
        world.store.update(_published(stranger), world.clock.now())
    assert e.value.code is ErrorCode.TRUST_LIST_BAD_SIGNATURE
    assert world.store.version == 0


def test_a_list_signed_by_a_dsc_instead_of_the_trust_list_signer_is_refused() -> None:
    world = World()
    dsc = world.pki.create_dsc("dsc-a")
    from hcert import trustlist

    content = trustlist.parse_content(base64.b64decode(json.loads(_published(world))["signed"]))
    forged = trustlist.sign(
        content, world.pki.dsc_store.signer("dsc-a", dsc.kid), [dsc.certificate]
    )
    with pytest.raises(HcertError) as e:
        world.store.update(forged, world.clock.now())
    assert e.value.code is ErrorCode.TRUST_LIST_BAD_SIGNATURE
    assert "trust-list signer" in e.value.message


def test_a_tampered_list_is_refused() -> None:
    world = World()
    world.pki.create_dsc("dsc-a")
    envelope = json.loads(_published(world))
    signed = base64.b64decode(envelope["signed"]).replace(
        b'"status":"pending"', b'"status":"active"'
    )
    envelope["signed"] = base64.b64encode(signed).decode()
    with pytest.raises(HcertError) as e:
        world.store.update(json.dumps(envelope).encode(), world.clock.now())
    assert e.value.code is ErrorCode.TRUST_LIST_BAD_SIGNATURE
    for garbage in (b"", b"{}", b"not json", json.dumps({**envelope, "signed": "%%%"}).encode()):
        with pytest.raises(HcertError) as e2:
            world.store.update(garbage, world.clock.now())
        assert e2.value.category is Category.TRUST_LIST


def test_an_expired_list_is_refused_and_a_grace_period_is_explicit() -> None:
    world = World(grace=2 * DAY)
    world.pki.create_dsc("dsc-a")
    data = _published(world)
    world.clock.instant += 8 * DAY
    fresh_store = SignedTrustStore(world.store.anchors)
    with pytest.raises(HcertError) as e:
        fresh_store.update(data, world.clock.now())  # no freeze: an old list is not taken
    assert e.value.code is ErrorCode.TRUST_LIST_EXPIRED

    world = World(grace=2 * DAY)
    run(world, ("create", "dsc-a"))
    for step in [
        ("publish",),
        ("sync",),
        LIVE,
        ("sign", "c1", "dsc-a"),
        ("advance", 5 * DAY + HOUR),
    ]:
        run(world, step)
    fresh = world.store.freshness(world.clock.now())
    assert fresh.expired and fresh.in_grace and fresh.age == 7 * DAY + HOUR
    run(world, ("expect", "c1", Category.VALID))  # within the grace the operator allowed
    run(world, ("advance", 2 * DAY))
    assert not world.store.freshness(world.clock.now()).in_grace
    run(world, ("expect", "c1", Category.TRUST_LIST))


def test_no_list_loaded_means_trust_list_verdicts() -> None:
    world = World()
    world.pki.create_dsc("dsc-a")
    verdict = world.verifier().verify("HC1:anything")
    assert (verdict.category, verdict.code) == (Category.TRUST_LIST, ErrorCode.TRUST_LIST_MISSING)


def test_the_csca_pin_moves_through_a_cross_certificate() -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    world = World()
    run(world, ("create", "dsc-a"))
    run(world, ("publish",))
    run(world, ("sync",))
    new_csca, cross = world.pki.rotate_csca("csca-2", "Viet Nam CSCA 2")
    world.pki.create_trust_list_signer("trust-list-signer-2")  # issued by the new CSCA
    world.service.cross_certificates = [cross.public_bytes(Encoding.DER)]
    run(world, ("publish",))
    run(world, ("sync",))  # accepted by the checkpoint pinned to the old CSCA
    assert [a.subject.rfc4514_string() for a in world.store.anchors][
        -1
    ] == "CN=Viet Nam CSCA 2,C=VN"
    world.service.cross_certificates = []
    run(world, ("publish",))
    run(world, ("sync",))  # the moved pin now suffices on its own
    assert world.store.version == 3
    listed = {c for c in world.store.content.cscas} if world.store.content else set()
    assert new_csca.certificate in listed


def test_a_cross_certificate_from_a_csca_not_pinned_moves_nothing() -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    world, intruder = World(), World()
    _, cross = intruder.pki.rotate_csca("csca-2", "Viet Nam CSCA 2")
    intruder.pki.create_trust_list_signer("trust-list-signer-2")
    intruder.service.cross_certificates = [cross.public_bytes(Encoding.DER)]
    with pytest.raises(HcertError) as e:
        world.store.update(_published(intruder), world.clock.now())
    assert e.value.code is ErrorCode.TRUST_LIST_BAD_SIGNATURE
    assert len(world.store.anchors) == 1


def test_certificates_may_not_outlive_their_dsc() -> None:
    world = World()
    run(world, ("create", "dsc-a"))
    run(world, LIVE)
    record = world.pki.registry.get("dsc-a")
    with pytest.raises(LifecycleError) as e:
        world.pki.signer_for("dsc-a", record.not_after + timedelta(seconds=1))
    assert e.value.code == "CERTIFICATE_OUTLIVES_DSC"
    world.pki.signer_for("dsc-a", record.not_after)  # up to the DSC's own end is fine
