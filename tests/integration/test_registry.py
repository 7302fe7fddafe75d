"""The registry on SQLite and PostgreSQL: check-in, doses, same-day signing, the backlog."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hcert.clock import FixedClock
from issuer.db import make_engine, session_factory, transaction
from issuer.domain import Role, ScreeningOutcome, SignState, VerificationStatus
from issuer.models import Certificate, Dose
from issuer.reference import create_facility, create_lot, create_staff, ensure_vaccine_products
from issuer.services import audit
from issuer.services.backlog import facility_backlog, province_backlog
from issuer.services.doses import DoseData, RecordedDose, record_and_commit, record_dose
from issuer.services.errors import Refusal
from issuer.services.persons import PersonData, check_in, set_verification
from issuer.services.registry import record_screening
from issuer.services.scope import Actor
from issuer.services.signing import FixedSigner, SignerSource, sign_now, sign_pending
from issuer.web.problems import STATUS
from tests.factories import default_dsc
from verifier.trust_store import StaticTrustStore
from verifier.verifier import Verifier

NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
TODAY = NOW.date()
COMIRNATY = "EU/1/20/1528"


@dataclass
class Site:
    factory: sessionmaker[Session]
    staff: Actor
    admin: Actor
    other_site_staff: Actor
    facility_id: int
    other_facility_id: int


@pytest.fixture
def site(database_url: str) -> Site:
    factory = session_factory(make_engine(database_url))
    with transaction(factory) as s:
        ensure_vaccine_products(s)
        f = create_facility(s, code="LCU-001", name="Trạm Y tế xã Sơn Bình", province_code="12")
        g = create_facility(
            s, code="LCU-002", name="Trung tâm Y tế huyện Tam Đường", province_code="12"
        )
        for facility in (f, g):
            create_lot(
                s,
                facility=facility,
                number="FK1234",
                product_code=COMIRNATY,
                expires_on=TODAY + timedelta(days=90),
                quantity=1000,
            )
        create_lot(
            s,
            facility=f,
            number="OLD1",
            product_code=COMIRNATY,
            expires_on=TODAY - timedelta(days=1),
            quantity=10,
        )
        staff = create_staff(s, username="nurse", password="pw", role=Role.SITE_STAFF, facility=f)
        admin = create_staff(
            s, username="padmin", password="pw", role=Role.PROVINCIAL_ADMIN, province_code="12"
        )
        other = create_staff(s, username="nurse2", password="pw", role=Role.SITE_STAFF, facility=g)
        ids = (f.id, g.id)
        actors = [
            Actor(x.id, x.username, Role(x.role), x.facility_id, x.province_code)
            for x in (staff, admin, other)
        ]
    return Site(factory, actors[0], actors[1], actors[2], *ids)


NATIONAL = Actor(0, "national", Role.NATIONAL_ADMIN)


def backlog(s: Session, facility_id: int | None = None) -> dict[str, int]:
    """Unsigned doses by state, of one facility or of the whole province 12."""
    found = (
        facility_backlog(s, NATIONAL, facility_id, None, NOW)
        if facility_id is not None
        else province_backlog(s, NATIONAL, "12", None, NOW)
    )
    return {"waiting": found.waiting, "pending": found.pending}


def _in_a_transaction(
    factory: sessionmaker[Session],
    actor: Actor,
    data: DoseData,
    now: datetime,
    source: SignerSource | None = None,
) -> RecordedDose:
    with transaction(factory) as s:
        return record_dose(s, actor, data, now, source)


Recorder = Callable[..., RecordedDose]


@pytest.fixture(params=[_in_a_transaction, record_and_commit], ids=["session", "committed"])
def record(request: pytest.FixtureRequest) -> Recorder:
    """Both ways in: `record_dose` in a caller's transaction, and the API's `record_and_commit`
    (on PostgreSQL, its own one-statement write)."""
    fn: Recorder = request.param
    return fn


def _person(site: Site, number: str = "012090000123", verified: bool = True) -> int:
    with transaction(site.factory) as s:
        person = check_in(
            s, site.staff, PersonData("cccd", number, "Đỗ Ngọc Vĩnh", "1990-03-09", "male"), NOW
        ).person
        if verified:
            set_verification(s, site.admin, person.id, VerificationStatus.VERIFIED, None, NOW)
        return person.id


def _screen(
    site: Site, person_id: int, actor: Actor | None = None, facility_id: int | None = None
) -> None:
    with transaction(site.factory) as s:
        record_screening(
            s,
            actor or site.staff,
            person_id=person_id,
            facility_id=facility_id or site.facility_id,
            outcome=ScreeningOutcome.ELIGIBLE,
            reasons=[],
            now=NOW,
        )


def _dose(site: Site, person_id: int, key: str, **overrides: object) -> DoseData:
    values: dict[str, object] = dict(
        idempotency_key=key,
        person_id=person_id,
        facility_id=site.facility_id,
        lot_number="FK1234",
        product_code=COMIRNATY,
        dose_number=1,
        given_on=TODAY,
    )
    values.update(overrides)
    return DoseData(**values)  # type: ignore[arg-type]


def test_check_in_never_duplicates_a_person(site: Site) -> None:
    first = _person(site)
    with transaction(site.factory) as s:
        result = check_in(
            s,
            site.staff,
            PersonData("cccd", "012090000123", "Đỗ Ngọc Vinh", "1990-03-09", "male"),
            NOW,
        )
        assert (result.person.id, result.created) == (first, False)
        # the registered name is kept, the difference noted
        assert result.person.mismatched_fields == ("full_name",)


def test_a_dose_is_signed_the_same_day_and_verifies(site: Site, record: Recorder) -> None:
    person = _person(site)
    _screen(site, person)
    dsc = default_dsc()
    dose, created, certificate = record(
        site.factory, site.staff, _dose(site, person, "k1"), NOW, FixedSigner(dsc.signer)
    )
    assert created and certificate is not None
    verdict = Verifier(StaticTrustStore.of(dsc.certificate), FixedClock(NOW)).verify(
        certificate.hc1
    )
    assert verdict.valid, verdict.message
    assert verdict.content is not None and verdict.content.dcc["nam"]["fnt"] == "DO"
    assert verdict.content.dcc["v"][0]["ci"] == certificate.uvci
    with transaction(site.factory) as s:
        assert s.get(Dose, dose.id).sign_state == SignState.SIGNED  # type: ignore[union-attr]
        assert audit.verify(s) == (0, None)  # nothing sealed yet
        assert audit.seal(s) == 4  # register, verify, screen, record (and sign: one change)
        assert audit.verify(s) == (4, None)
        entry = s.scalars(select(audit.AuditRecord).order_by(audit.AuditRecord.seq)).all()[-1]
        assert (entry.action, entry.entity_id) == ("record-dose", str(dose.id))
        assert entry.details is not None and entry.details["signed"] == certificate.uvci
        assert entry.details["kid"] == certificate.dsc_kid


@pytest.mark.parametrize(
    ("overrides", "code", "status"),
    [
        ({"lot_number": "NOPE"}, "LOT_NOT_FOUND", 422),
        ({"lot_number": "OLD1"}, "LOT_EXPIRED", 422),
        ({"product_code": "EU/1/20/1507"}, "LOT_PRODUCT_MISMATCH", 422),
        ({"dose_number": 2}, "DOSE_NUMBER_INCONSISTENT", 422),
        ({"given_on": TODAY + timedelta(days=1)}, "DATE_INVALID", 422),
        ({"facility_id": 9999}, "FACILITY_NOT_FOUND", 404),
    ],
)
def test_invalid_doses_are_refused_and_nothing_is_written(
    site: Site, record: Recorder, overrides: dict[str, object], code: str, status: int
) -> None:
    person = _person(site)
    _screen(site, person)
    with pytest.raises(Refusal) as e:
        record(site.factory, site.staff, _dose(site, person, "bad", **overrides), NOW)
    assert (e.value.code, STATUS[type(e.value)]) == (code, status)
    with transaction(site.factory) as s:
        assert s.scalar(select(func.count()).select_from(Dose)) == 0


def test_screening_role_and_scope(site: Site, record: Recorder) -> None:
    person = _person(site)
    with pytest.raises(Refusal) as e:
        record(site.factory, site.staff, _dose(site, person, "k"), NOW)
    assert e.value.code == "SCREENING_REQUIRED"
    _screen(site, person)
    with pytest.raises(Refusal) as e2:  # another site's nurse
        record(site.factory, site.other_site_staff, _dose(site, person, "k"), NOW)
    assert (e2.value.code, STATUS[type(e2.value)]) == ("FORBIDDEN", 403)
    auditor = Actor(99, "auditor", Role.AUDITOR)
    with pytest.raises(Refusal) as e3:
        record(site.factory, auditor, _dose(site, person, "k"), NOW)
    assert STATUS[type(e3.value)] == 403


def test_same_key_twice_is_one_dose_and_a_reused_key_is_refused(
    site: Site, record: Recorder
) -> None:
    person = _person(site)
    _screen(site, person)
    signer = FixedSigner(default_dsc().signer)
    first, created, certificate = record(
        site.factory, site.staff, _dose(site, person, "same"), NOW, signer
    )
    again, created_again, same_certificate = record(
        site.factory, site.staff, _dose(site, person, "same"), NOW, signer
    )
    assert (created, created_again, again.id) == (True, False, first.id)
    assert certificate is not None and same_certificate is not None
    assert same_certificate.uvci == certificate.uvci  # the first answer again, not a new one
    assert again.lot_number == "FK1234"
    with pytest.raises(Refusal) as e:
        record(site.factory, site.staff, _dose(site, person, "same", dose_number=2), NOW)
    assert e.value.code == "IDEMPOTENCY_KEY_REUSED"


def test_twenty_concurrent_submissions_of_one_key_make_one_dose(site: Site) -> None:
    person = _person(site)
    _screen(site, person)
    results: list[str] = []
    barrier = threading.Barrier(20)
    signer = FixedSigner(default_dsc().signer)

    def submit() -> None:
        barrier.wait()
        try:
            _, created, certificate = record_and_commit(
                site.factory, site.staff, _dose(site, person, "burst"), NOW, signer
            )
            results.append(("created" if created else "existing") + f" {certificate is not None}")
        except Exception as e:
            results.append(type(e).__name__)

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with transaction(site.factory) as s:
        assert s.scalar(select(func.count()).select_from(Dose)) == 1
        assert s.scalar(select(func.count()).select_from(Certificate)) == 1
    # the losers of the race answer with the winner's dose and certificate, as a replay does
    assert sorted(results) == ["created True"] + ["existing True"] * 19, results


def test_the_same_person_at_two_sites_on_one_day_is_flagged_not_stored_twice(
    site: Site, record: Recorder
) -> None:
    person = _person(site)
    _screen(site, person)
    with transaction(site.factory) as s:  # the person presents at the second site as well
        check_in(
            s,
            site.other_site_staff,
            PersonData("cccd", "012090000123", "Đỗ Ngọc Vĩnh", "1990-03-09", "male"),
            NOW,
        )
    _screen(site, person, site.other_site_staff, site.other_facility_id)
    first, _, _ = record(site.factory, site.staff, _dose(site, person, "a"), NOW)
    second, _, _ = record(
        site.factory,
        site.other_site_staff,
        _dose(site, person, "b", facility_id=site.other_facility_id),
        NOW,
    )
    assert second.probable_duplicate_of == first.id
    assert second.sign_state == SignState.WAITING  # never signed while in doubt


def test_both_ways_in_store_the_same_rows(site: Site, database_url: str) -> None:
    """The API's one-statement write (PostgreSQL) leaves what the session's inserts leave."""
    if not database_url.startswith("postgresql"):
        pytest.skip("on SQLite both ways run the same statements: nothing to compare")
    signer = FixedSigner(default_dsc().signer)
    stored = []
    for i, recorder in enumerate((_in_a_transaction, record_and_commit)):
        person = _person(site, f"01209000030{i}")
        _screen(site, person)
        dose, _, _ = recorder(site.factory, site.staff, _dose(site, person, f"w{i}"), NOW, signer)
        with transaction(site.factory) as s:
            row = s.get_one(Dose, dose.id)
            certificate = s.scalars(select(Certificate).where(Certificate.dose_id == dose.id)).one()
            entry = s.scalars(
                select(audit.AuditRecord).where(
                    audit.AuditRecord.action == "record-dose",
                    audit.AuditRecord.entity_id == str(dose.id),
                )
            ).one()
            stored.append(
                (
                    {c: getattr(row, c) for c in ("product_code", "lot_id", "dose_number",
                     "given_on", "facility_id", "staff_id", "team_id", "sign_state")},
                    (row.created_at.astimezone(UTC), row.screening_id is not None),
                    (certificate.status, certificate.dsc_kid, certificate.hc1[:4]),
                    (certificate.issued_at.astimezone(UTC), certificate.expires_at.astimezone(UTC)),
                    (entry.actor, entry.at.astimezone(UTC), sorted(entry.details or {})),
                )
            )  # fmt: skip
    assert stored[0] == stored[1]
    assert stored[0][0]["sign_state"] == SignState.SIGNED and stored[0][1] == (NOW, True)


def test_unverified_doses_wait_then_the_backlog_signs_them(site: Site) -> None:
    dsc = default_dsc()
    people = [_person(site, f"0120900001{i:02d}", verified=False) for i in range(7)]
    for i, person in enumerate(people):
        _screen(site, person)
        with transaction(site.factory) as s:
            record_dose(s, site.staff, _dose(site, person, f"d{i}"), NOW)
    with transaction(site.factory) as s:
        assert backlog(s, site.facility_id) == {"waiting": 7, "pending": 0}
        why = facility_backlog(s, site.staff, site.facility_id, None, NOW + timedelta(hours=2))
        assert why.reasons == {"identity_unverified": 7}
        assert why.oldest_age_seconds == 7200
        for person in people:
            set_verification(s, site.admin, person, VerificationStatus.VERIFIED, None, NOW)
        assert backlog(s) == {"waiting": 0, "pending": 7}
        assert province_backlog(s, site.admin, "12", None, NOW).reasons == {"no_active_dsc": 7}
    signed = sign_pending(site.factory, FixedSigner(dsc.signer), batch_size=3, clock=lambda: NOW)
    assert signed == 7
    with transaction(site.factory) as s:
        assert backlog(s) == {"waiting": 0, "pending": 0}
        uvcis = s.scalars(select(Certificate.uvci)).all()
        assert len(uvcis) == len(set(uvcis)) == 7


def test_no_active_dsc_leaves_the_backlog_alone(site: Site) -> None:
    class NoSigner:
        def signer(self, expires_at: datetime) -> None:
            return None

    person = _person(site)
    _screen(site, person)
    with transaction(site.factory) as s:
        dose, _, certificate = record_dose(s, site.staff, _dose(site, person, "k"), NOW, NoSigner())
        assert certificate is None and dose.sign_state == SignState.PENDING
        assert sign_now(s, [s.get_one(Dose, dose.id)], NoSigner(), NOW, "nurse") == []
    assert sign_pending(site.factory, NoSigner()) == 0
    with transaction(site.factory) as s:
        assert backlog(s) == {"waiting": 0, "pending": 1}


def test_a_dose_that_cannot_make_a_valid_certificate_never_blocks_the_backlog(site: Site) -> None:
    good = _person(site, "012090000201")
    with transaction(site.factory) as s:  # a name with nothing ICAO 9303 can transliterate
        bad = check_in(
            s,
            site.staff,
            PersonData("passport", "E1234567", "王伟", "1985-01-01", "male", nationality="CN"),
            NOW,
        ).person
        set_verification(s, site.admin, bad.id, VerificationStatus.VERIFIED, None, NOW)
        bad_id = bad.id
    for i, person in enumerate((bad_id, good)):
        _screen(site, person)
        with transaction(site.factory) as s:
            record_dose(s, site.staff, _dose(site, person, f"b{i}"), NOW)
    assert sign_pending(site.factory, FixedSigner(default_dsc().signer), clock=lambda: NOW) == 1
    with transaction(site.factory) as s:
        states = dict(s.execute(select(Dose.person_id, Dose.sign_state)).all())
        assert states == {bad_id: SignState.WAITING, good: SignState.SIGNED}
        refused = s.scalars(
            select(audit.AuditRecord).where(audit.AuditRecord.action == "sign-refused")
        ).all()
        assert len(refused) == 1 and "no transliterated name" in str(refused[0].details)
        # the site's backlog says why, with the refusal's code
        waiting = facility_backlog(s, site.staff, site.facility_id, None, NOW)
        assert (waiting.reasons, waiting.refusals) == (
            {"refused": 1},
            {"NAME_NOT_TRANSLITERABLE": 1},
        )


def test_the_migrations_go_down_and_up_again(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from issuer.db import alembic_config, upgrade

    command.downgrade(alembic_config(database_url), "0001")
    assert "teams" not in inspect(make_engine(database_url)).get_table_names()
    upgrade(database_url)
    engine = make_engine(database_url)
    assert {"teams", "team_members"} <= set(inspect(engine).get_table_names())
    assert "team_id" in {c["name"] for c in inspect(engine).get_columns("doses")}


def test_the_migrations_match_the_models(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from issuer.models import Base

    with make_engine(database_url).connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert drift == [], "models changed without a migration: run alembic revision --autogenerate"


def test_after_a_compromise_everything_the_key_signed_is_signed_again_by_another(
    site: Site,
) -> None:
    from issuer.services.corrections import reissue_signed_by
    from tests.factories import make_dsc

    compromised, successor = make_dsc(), make_dsc()
    people = [_person(site, f"0120900003{i:02d}") for i in range(3)]
    for i, person in enumerate(people):
        _screen(site, person)
        with transaction(site.factory) as s:
            record_dose(s, site.staff, _dose(site, person, f"r{i}"), NOW)
    assert sign_pending(site.factory, FixedSigner(compromised.signer), clock=lambda: NOW) == 3
    national = Actor(0, "national", Role.NATIONAL_ADMIN)
    with pytest.raises(Refusal), transaction(site.factory) as s:
        reissue_signed_by(s, site.admin, compromised.certificate.kid.hex(), NOW)  # provincial: no
    with transaction(site.factory) as s:
        assert reissue_signed_by(s, national, compromised.certificate.kid.hex(), NOW) == 3
    assert sign_pending(site.factory, FixedSigner(successor.signer), clock=lambda: NOW) == 3
    with transaction(site.factory) as s:
        rows = s.execute(select(Certificate.dsc_kid, Certificate.status)).all()
    assert sorted(rows) == sorted(
        [(compromised.certificate.kid.hex(), "superseded")] * 3
        + [(successor.certificate.kid.hex(), "valid")] * 3
    )


def test_commands_refuse_an_outdated_schema_with_a_clear_error(database_url: str) -> None:
    from alembic import command
    from click.testing import CliRunner

    from issuer.db import alembic_config
    from vaxpass.cli import main

    command.downgrade(alembic_config(database_url), "0001")
    result = CliRunner().invoke(main, ["audit", "verify", "--database-url", database_url])
    assert result.exit_code == 2
    assert "schema is at 0001" in result.output and "vaxpass db upgrade" in result.output


def test_verifying_a_person_signs_their_waiting_doses_at_once(site: Site) -> None:
    person = _person(site, verified=False)
    _screen(site, person)
    with transaction(site.factory) as s:
        record_dose(s, site.staff, _dose(site, person, "w1"), NOW)
    source = FixedSigner(default_dsc().signer)
    with transaction(site.factory) as s:
        view = set_verification(
            s, site.admin, person, VerificationStatus.VERIFIED, None, NOW, source
        )
    assert [d.dose.sign_state for d in view.doses] == [SignState.SIGNED]
    certificate = view.doses[0].certificate
    assert certificate is not None and certificate.hc1.startswith("HC1:")
