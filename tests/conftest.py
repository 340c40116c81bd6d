"""Test setup: a freshly migrated database per run (SQLite file, or a new PostgreSQL database
when BEDSIDE_DATABASE_URL points at one), emptied after every test."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="bedside-test-"))
_BASE_URL = os.environ.get("BEDSIDE_DATABASE_URL", "")
_PG_ADMIN_URL: str | None = None

if _BASE_URL.startswith("postgresql"):
    # One database per run, so parallel or repeated runs never see each other's rows.
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    _PG_ADMIN_URL = _BASE_URL
    _name = f"bedside_t_{uuid.uuid4().hex[:10]}"
    _admin = create_engine(_BASE_URL, isolation_level="AUTOCOMMIT")
    with _admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{_name}"'))
    _admin.dispose()
    TEST_DB_URL = make_url(_BASE_URL).set(database=_name).render_as_string(hide_password=False)
else:
    _name = ""
    TEST_DB_URL = f"sqlite:///{_TMP / 'test.sqlite3'}"

os.environ.update(
    {
        "BEDSIDE_DATABASE_URL": TEST_DB_URL,
        "BEDSIDE_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "BEDSIDE_DEMO": "0",
        # Per process, so that parallel workers never count each other's logins.
        "BEDSIDE_RATE_LIMIT_STORAGE": "memory://",
        "BEDSIDE_TESTING": "1",
        "BEDSIDE_DISPATCH_IN_PROCESS": "0",
        "BEDSIDE_LOG_LEVEL": "WARNING",
        "BEDSIDE_HOSPITAL_NAME": "测试医院",
        "BEDSIDE_SANDBOX_BILLS_DIR": str(_TMP / "sandbox-bills"),
        # Browser tests that need a kiosk agent start their own and point the page at it.
        "BEDSIDE_KIOSK_AGENT_URL": "",
    }
)

from bedside import dbtools, wiring  # noqa: E402,F401
from bedside.accounts.sms import LogSmsGateway, set_gateway  # noqa: E402
from bedside.core import db  # noqa: E402
from bedside.settings import get_settings  # noqa: E402

# The insurance platform peer (session) that discharge settles through.
pytest_plugins = ["tests.insurance_peer"]

get_settings.cache_clear()
dbtools.upgrade(TEST_DB_URL)
DATABASE = db.configure(TEST_DB_URL, **get_settings().engine_options)
# The tests' own session: on SQLite its transactions begin deferred, so a test that keeps one
# open to read never holds the write lock the app (TestClient or live server) needs.
TEST_SIDE = db.Database(TEST_DB_URL, sqlite_immediate=False)


def pytest_unconfigure(config: pytest.Config) -> None:
    DATABASE.dispose()
    TEST_SIDE.dispose()
    if _PG_ADMIN_URL and _name:
        from sqlalchemy import create_engine, text

        admin = create_engine(_PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_name}" WITH (FORCE)'))
        admin.dispose()


def _empty_all_tables() -> None:
    # DELETE, not TRUNCATE: it takes only row locks, so a live server's outbox poller
    # reading at the same moment cannot deadlock with the cleanup.
    with DATABASE.engine.begin() as conn:
        for table in reversed(db.Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _clean_database() -> Iterator[None]:
    yield
    _empty_all_tables()
    # The sandbox channels' keys lived in the emptied tables; adapters must re-read them.
    from bedside.payments import registry

    registry.reset()


@pytest.fixture(scope="session", autouse=True)
def signing_ca(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The run's own demo CA and hospital signing certificate, in a temporary folder: the
    documents the app issues are signed with it, and no key is ever written into the tree."""
    from bedside.documents.certificates import write_demo_files

    files = write_demo_files(tmp_path_factory.mktemp("signing"), os.environ["BEDSIDE_HOSPITAL_NAME"])
    os.environ["BEDSIDE_SIGNING_KEY_FILE"] = str(files.key)
    os.environ["BEDSIDE_SIGNING_CERT_FILE"] = str(files.cert)
    os.environ["BEDSIDE_SIGNING_CHAIN_FILE"] = str(files.ca_cert)
    get_settings.cache_clear()
    return files


@pytest.fixture(scope="session", autouse=True)
def einvoice_platform():  # type: ignore[no-untyped-def]
    """The fiscal e-invoice platform peer for the run: settlements get their bills from it over
    HTTP through the real client, as in a hospital."""
    from tests import einvoice_peer

    handle = einvoice_peer.start()
    os.environ.update(handle.env())
    get_settings.cache_clear()
    yield handle
    handle.running.stop()


@pytest.fixture(autouse=True)
def _fresh_einvoice_books(einvoice_platform):  # type: ignore[no-untyped-def]
    # The database is emptied after each test, so its settlement ids (the bills' business
    # serials) come again: the platform forgets its bills with them (in process: every test).
    yield
    einvoice_platform.peer.reset()


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # The counters outlive a test's rows: each test starts with every limit unused.
    from bedside.core import ratelimit

    ratelimit.limiter().reset()


@pytest.fixture
def sms() -> Iterator[LogSmsGateway]:
    gateway = LogSmsGateway(demo=False)
    set_gateway(gateway)
    yield gateway
    set_gateway(None)


@pytest.fixture(scope="session")
def aliyun_peer():  # type: ignore[no-untyped-def]
    from tests import sms_peers

    handle = sms_peers.start("aliyun")
    yield handle
    handle.running.stop()


@pytest.fixture(scope="session")
def tencent_peer():  # type: ignore[no-untyped-def]
    from tests import sms_peers

    handle = sms_peers.start("tencent")
    yield handle
    handle.running.stop()


@pytest.fixture(scope="session")
def payment_peers():  # type: ignore[no-untyped-def]
    """The WeChat Pay and Alipay peers over HTTP; `.install()` points the real clients at them."""
    from tests import payment_peers as peers

    handle = peers.start_all()
    yield handle
    handle.wechat.stop()
    handle.alipay.stop()


@pytest.fixture(scope="session", autouse=True)
def _payments_over_http(request):  # type: ignore[no-untyped-def]
    """Every test's WeChat Pay and Alipay go through the real HTTP clients to the peers (the
    test run's own composition root). BEDSIDE_TEST_PAYMENTS=sandbox runs them in process instead,
    to tell a transport problem from a payments one."""
    if os.environ.get("BEDSIDE_TEST_PAYMENTS") == "sandbox":
        yield
        return
    from bedside.payments import registry

    peers = request.getfixturevalue("payment_peers")
    registry.set_installer(peers.install_adapters)
    registry.reset()
    yield
    registry.set_installer(wiring.install_payment_channels)
    registry.reset()


@pytest.fixture
def aliyun_sms(sms, aliyun_peer):  # type: ignore[no-untyped-def]
    """Instead of `sms`: the real Alibaba Cloud client, talking to the peer over HTTP; the
    handle's last_code(phone) reads the peer's inbox, so `phone_login` takes it as well."""
    aliyun_peer.reset()
    set_gateway(aliyun_peer.client())
    yield aliyun_peer
    set_gateway(None)


@pytest.fixture
def tencent_sms(sms, tencent_peer):  # type: ignore[no-untyped-def]
    tencent_peer.reset()
    set_gateway(tencent_peer.client())
    yield tencent_peer
    set_gateway(None)


@pytest.fixture
def session() -> Iterator[db.Session]:
    with TEST_SIDE.session() as s:
        yield s


@pytest.fixture(scope="session")
def app():  # type: ignore[no-untyped-def]
    from bedside.main import create_app

    return create_app(get_settings())


@pytest.fixture
def client(app, sms):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver") as c:
        yield c
