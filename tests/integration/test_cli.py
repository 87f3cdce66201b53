"""The xhsync operator CLI against the test PostgreSQL: version and help,
migrations (idempotence, checksums, ordering, rollback, concurrency), admin
users with Argon2id hashes, master key files and configuration checks.

Migration tests that need an empty database create a scratch database and
point the CLI at it with XHSYNC_DATABASE_DSN.
"""
import base64
import ctypes
import os
import re
import shutil
import socket
import stat
import subprocess
import threading
import time
import uuid

import psycopg2
import pytest

from conftest import BUILD, CONFIG, ROOT, cli

SQL_DIR = os.path.join(ROOT, "sql")
ARGON2_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$"
PASSWORD_ALPHABET = set("23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ")
MIGRATION_FILES = sorted(f for f in os.listdir(SQL_DIR)
                         if re.fullmatch(r"[0-9]{4}_[a-z0-9_]+\.sql", f))


def argon2_verify(encoded, password):
    """True if password matches the encoded hash, checked by libargon2."""
    lib = ctypes.CDLL("libargon2.so.1")
    lib.argon2id_verify.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.argon2id_verify.restype = ctypes.c_int
    pw = password.encode()
    return lib.argon2id_verify(encoded.encode(), pw, len(pw)) == 0


def new_email():
    return "admin-%s@example.com" % uuid.uuid4().hex[:12]


def migrations(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT version, name, checksum, applied_at FROM schema_migration"
                    " ORDER BY version")
        return cur.fetchall()


def with_dbname(dsn, name):
    """The DSN with its dbname replaced (key=value form, as the harness writes)."""
    parts = [p for p in dsn.split() if not p.startswith("dbname=")]
    return " ".join(parts + ["dbname=" + name])


@pytest.fixture
def scratch(db, dsn):
    """An empty database for one test: (dsn, psycopg2 connection)."""
    name = "xhsync_cli_" + uuid.uuid4().hex[:10]
    with db.cursor() as cur:
        cur.execute("CREATE DATABASE " + name)
    sdsn = with_dbname(dsn, name)
    conn = psycopg2.connect(sdsn)
    conn.autocommit = True
    yield sdsn, conn
    conn.close()
    with db.cursor() as cur:
        cur.execute("DROP DATABASE " + name + " WITH (FORCE)")


def scratch_cli(sdsn, *args):
    return cli(*args, env={"XHSYNC_DATABASE_DSN": sdsn})


def sql_copy(tmp_path):
    d = tmp_path / "sql"
    shutil.copytree(SQL_DIR, d)
    return d


def table_exists(conn, name):
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
        return cur.fetchone()[0]


# ---- version and usage ----------------------------------------------------

def test_version_flag_prints_version(run_cli):
    r = run_cli("--version")
    assert r.returncode == 0
    assert r.stdout == "xhsync 0.1.0\n"


def test_version_command_prints_version(run_cli):
    r = run_cli("version")
    assert r.returncode == 0
    assert r.stdout == "xhsync 0.1.0\n"


def test_help_lists_commands_and_exit_codes(run_cli):
    r = run_cli("help")
    assert r.returncode == 0
    for cmd in ("migrate", "keygen", "user add EMAIL", "user passwd EMAIL", "user list",
                "config check"):
        assert cmd in r.stdout
    assert "0 success, 1 failure" in r.stdout and "2 usage error" in r.stdout


def test_no_command_is_usage_error(run_cli):
    r = run_cli()
    assert r.returncode == 2
    assert "no command" in r.stderr


def test_unknown_command_is_usage_error(run_cli):
    r = run_cli("frobnicate")
    assert r.returncode == 2
    assert "unknown command 'frobnicate'" in r.stderr


def test_unknown_option_is_usage_error(run_cli):
    r = run_cli("migrate", "--bogus")
    assert r.returncode == 2
    assert "usage: xhsync migrate" in r.stderr


# ---- migrations on the test database ---------------------------------------

def test_migrate_twice_second_is_noop(run_cli, db):
    first = run_cli("migrate")
    assert first.returncode == 0, first.stderr
    assert re.fullmatch(r"(applied \d+ migration\(s\)|database is up to date)\n", first.stdout)
    before = migrations(db)
    second = run_cli("migrate")
    assert second.returncode == 0, second.stderr
    assert second.stdout == "database is up to date\n"
    assert migrations(db) == before
    assert [r[1] for r in before][:len(MIGRATION_FILES)] == MIGRATION_FILES


def test_migrate_records_sha256_of_each_file(run_cli, db):
    import hashlib
    assert run_cli("migrate").returncode == 0
    rows = {r[1]: r[2] for r in migrations(db)}
    for f in MIGRATION_FILES:
        with open(os.path.join(SQL_DIR, f), "rb") as fh:
            assert rows[f] == hashlib.sha256(fh.read()).hexdigest()


def test_migrate_refuses_edited_applied_migration(run_cli, db, tmp_path):
    assert run_cli("migrate").returncode == 0
    before = migrations(db)
    d = sql_copy(tmp_path)
    with open(d / "0001_init.sql", "a") as f:
        f.write("\n-- an edit after the fact\n")
    r = run_cli("migrate", "--dir", str(d))
    assert r.returncode == 1
    assert "0001_init.sql" in r.stderr and "must never be edited" in r.stderr
    assert migrations(db) == before


def test_migrate_missing_dir_fails(run_cli, tmp_path):
    r = run_cli("migrate", "--dir", str(tmp_path / "nope"))
    assert r.returncode == 1
    assert "nope" in r.stderr


# ---- migrations on an empty database ---------------------------------------

def test_migrate_fresh_database_applies_every_file(scratch):
    sdsn, conn = scratch
    r = scratch_cli(sdsn, "migrate")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "applied %d migration(s)\n" % len(MIGRATION_FILES)
    assert [row[1] for row in migrations(conn)] == MIGRATION_FILES
    for table in ("app_user", "session", "link", "credential", "oauth_flow", "field_mapping",
                  "xero_record", "hubspot_ref", "sync_cursor", "webhook_event", "audit_event"):
        assert table_exists(conn, table), table


def test_migrate_uses_env_sql_dir(scratch, tmp_path):
    sdsn, conn = scratch
    d = tmp_path / "only"
    d.mkdir()
    (d / "0001_one.sql").write_text("CREATE TABLE one (id int);\n")
    (d / "README.txt").write_text("not a migration")
    (d / "1_bad_name.sql").write_text("CREATE TABLE bad (id int);\n")
    r = cli("migrate", env={"XHSYNC_DATABASE_DSN": sdsn, "XHSYNC_SQL_DIR": str(d)})
    assert r.returncode == 0, r.stderr
    assert r.stdout == "applied 1 migration(s)\n"
    assert table_exists(conn, "one") and not table_exists(conn, "bad")


def test_failed_migration_is_rolled_back_and_not_recorded(scratch, tmp_path):
    sdsn, conn = scratch
    d = tmp_path / "m"
    d.mkdir()
    (d / "0001_good.sql").write_text("CREATE TABLE good (id int);\n")
    (d / "0002_broken.sql").write_text("CREATE TABLE half (id int);\nSELECT 1/0;\n")
    r = scratch_cli(sdsn, "migrate", "--dir", str(d))
    assert r.returncode == 1
    assert "0002_broken.sql" in r.stderr and "division by zero" in r.stderr
    assert r.stdout == "applied 1 migration(s)\n"
    assert table_exists(conn, "good") and not table_exists(conn, "half")
    assert [row[0] for row in migrations(conn)] == [1]
    (d / "0002_broken.sql").write_text("CREATE TABLE half (id int);\n")
    r = scratch_cli(sdsn, "migrate", "--dir", str(d))
    assert r.returncode == 0 and r.stdout == "applied 1 migration(s)\n"
    assert table_exists(conn, "half")


def test_migration_numbered_below_applied_is_refused(scratch, tmp_path):
    sdsn, conn = scratch
    d = tmp_path / "m"
    d.mkdir()
    (d / "0001_a.sql").write_text("CREATE TABLE a (id int);\n")
    (d / "0003_c.sql").write_text("CREATE TABLE c (id int);\n")
    assert scratch_cli(sdsn, "migrate", "--dir", str(d)).returncode == 0
    (d / "0002_b.sql").write_text("CREATE TABLE b (id int);\n")
    r = scratch_cli(sdsn, "migrate", "--dir", str(d))
    assert r.returncode == 1 and "0002_b.sql" in r.stderr and "renumber" in r.stderr
    assert not table_exists(conn, "b")


def test_duplicate_migration_numbers_are_refused(scratch, tmp_path):
    sdsn, conn = scratch
    d = tmp_path / "m"
    d.mkdir()
    (d / "0001_a.sql").write_text("CREATE TABLE a (id int);\n")
    (d / "0001_b.sql").write_text("CREATE TABLE b (id int);\n")
    r = scratch_cli(sdsn, "migrate", "--dir", str(d))
    assert r.returncode == 1 and "same number" in r.stderr
    assert not table_exists(conn, "a")


def test_migration_that_commits_itself_is_refused(scratch, tmp_path):
    sdsn, conn = scratch
    d = tmp_path / "m"
    d.mkdir()
    (d / "0001_commit.sql").write_text("CREATE TABLE x (id int);\nCOMMIT;\n")
    r = scratch_cli(sdsn, "migrate", "--dir", str(d))
    assert r.returncode == 1 and "0001_commit.sql" in r.stderr
    assert migrations(conn) == []


def test_concurrent_migrate_applies_each_file_once(scratch):
    sdsn, conn = scratch
    results = [None, None]

    def run(i):
        results[i] = scratch_cli(sdsn, "migrate")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    outs = sorted(r.stdout for r in results)
    assert outs == sorted(["applied %d migration(s)\n" % len(MIGRATION_FILES),
                           "database is up to date\n"])
    assert [row[1] for row in migrations(conn)] == MIGRATION_FILES


# ---- database connection errors ---------------------------------------------

def test_unreachable_database_fails_without_leaking_password(run_cli):
    r = run_cli("migrate", env={
        "XHSYNC_DATABASE_DSN": "host=127.0.0.1 port=1 dbname=x user=u password=hunter2secret"})
    assert r.returncode == 1
    assert "cannot connect to database" in r.stderr
    assert "hunter2secret" not in r.stderr + r.stdout


def test_connect_timeout_is_enforced(run_cli):
    """A server that accepts TCP but never answers: fail within the timeout."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    port = srv.getsockname()[1]
    try:
        t0 = time.monotonic()
        r = run_cli("user", "list", env={
            "XHSYNC_DATABASE_DSN": "host=127.0.0.1 port=%d dbname=x user=u" % port,
            "XHSYNC_DATABASE_CONNECT_TIMEOUT": "1"})
        elapsed = time.monotonic() - t0
    finally:
        srv.close()
    assert r.returncode == 1
    assert "no answer within 1000 ms" in r.stderr
    assert elapsed < 5


# ---- users -------------------------------------------------------------------

def user_row(db, email):
    with db.cursor() as cur:
        cur.execute("SELECT id, email, password_hash, disabled FROM app_user"
                    " WHERE lower(email) = lower(%s)", (email,))
        return cur.fetchone()


def add_session(db, user_id):
    with db.cursor() as cur:
        cur.execute("INSERT INTO session (token_hash, user_id, csrf_token_hash,"
                    " idle_expires_at, expires_at) VALUES (%s, %s, %s,"
                    " now() + interval '1 hour', now() + interval '1 day')",
                    (os.urandom(32), user_id, os.urandom(32)))


def session_count(db, user_id):
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM session WHERE user_id = %s", (user_id,))
        return cur.fetchone()[0]


def password_of(stdout):
    m = re.search(r"^password: (\S+)$", stdout, re.M)
    assert m, stdout
    return m.group(1)


def test_user_add_prints_two_lines_and_stores_argon2id(run_cli, db):
    assert run_cli("migrate").returncode == 0
    email = new_email()
    r = run_cli("user", "add", email)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and lines[0] == "created user " + email
    pw = password_of(r.stdout)
    assert len(pw) == 20 and set(pw) <= PASSWORD_ALPHABET
    row = user_row(db, email)
    assert row[1] == email and row[3] is False
    assert row[2].startswith(ARGON2_PREFIX)
    assert argon2_verify(row[2], pw)
    assert not argon2_verify(row[2], pw + "x")
    assert pw not in r.stderr


def test_user_add_uses_fresh_salt_and_password(run_cli, db):
    a, b = new_email(), new_email()
    ra, rb = run_cli("user", "add", a), run_cli("user", "add", b)
    assert password_of(ra.stdout) != password_of(rb.stdout)
    ha, hb = user_row(db, a)[2], user_row(db, b)[2]
    assert ha.split("$")[4] != hb.split("$")[4]


def test_user_add_duplicate_fails(run_cli, db):
    email = new_email()
    assert run_cli("user", "add", email).returncode == 0
    r = run_cli("user", "add", email.upper())
    assert r.returncode == 1
    assert "user %s already exists" % email.upper() in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("bad", ["no-at-sign", "@example.com", "a@", "a@b", "a b@example.com",
                                 "a@exa mple.com", "a@@example.com", "a@.example.com",
                                 "a@example..com"])
def test_user_add_rejects_bad_email(run_cli, db, bad):
    r = run_cli("user", "add", bad)
    assert r.returncode == 2
    assert "not a valid email" in r.stderr
    assert user_row(db, bad) is None


def test_user_add_needs_one_argument(run_cli):
    assert run_cli("user", "add").returncode == 2
    assert run_cli("user", "add", "a@example.com", "b@example.com").returncode == 2


def test_user_passwd_replaces_hash_and_ends_sessions(run_cli, db):
    email = new_email()
    old = password_of(run_cli("user", "add", email).stdout)
    uid = user_row(db, email)[0]
    add_session(db, uid)
    r = run_cli("user", "passwd", email)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "updated user " + email
    new = password_of(r.stdout)
    h = user_row(db, email)[2]
    assert argon2_verify(h, new) and not argon2_verify(h, old)
    assert session_count(db, uid) == 0


def test_user_passwd_unknown_user_fails(run_cli):
    r = run_cli("user", "passwd", new_email())
    assert r.returncode == 1
    assert "no user" in r.stderr and "password" not in r.stdout


def test_user_list_shows_users(run_cli):
    email = new_email()
    assert run_cli("user", "add", email).returncode == 0
    r = run_cli("user", "list")
    assert r.returncode == 0
    assert r.stdout.startswith("ID ")
    line = [l for l in r.stdout.splitlines() if email in l]
    assert len(line) == 1 and "active" in line[0]
    assert "$argon2id$" not in r.stdout


def test_user_disable_and_enable(run_cli, db):
    email = new_email()
    assert run_cli("user", "add", email).returncode == 0
    uid = user_row(db, email)[0]
    add_session(db, uid)
    assert run_cli("user", "disable", email).returncode == 0
    assert user_row(db, email)[3] is True and session_count(db, uid) == 0
    assert run_cli("user", "enable", email).returncode == 0
    assert user_row(db, email)[3] is False


def test_user_without_subcommand_is_usage_error(run_cli):
    r = run_cli("user")
    assert r.returncode == 2 and "usage: xhsync user add EMAIL" in r.stderr
    assert run_cli("user", "frob").returncode == 2


# ---- keygen ----------------------------------------------------------------

KEY_LINE = re.compile(r"^xhk1:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/]{43}=)$", re.M)


def key_lines(path):
    with open(path) as f:
        return KEY_LINE.findall(f.read())


def test_keygen_writes_0600_key_file(run_cli, tmp_path):
    path = tmp_path / "master.key"
    r = run_cli("keygen", str(path))
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    keys = key_lines(path)
    assert len(keys) == 1
    assert len(base64.b64decode(keys[0][1])) == 32
    assert keys[0][1] not in r.stdout + r.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["master.key"]


def test_keygen_refuses_to_overwrite(run_cli, tmp_path):
    path = tmp_path / "master.key"
    assert run_cli("keygen", str(path)).returncode == 0
    before = path.read_bytes()
    r = run_cli("keygen", str(path))
    assert r.returncode == 1
    assert "already exists" in r.stderr and "--force" in r.stderr
    assert path.read_bytes() == before


def test_keygen_force_replaces_with_new_key(run_cli, tmp_path):
    path = tmp_path / "master.key"
    assert run_cli("keygen", str(path)).returncode == 0
    old = key_lines(path)
    r = run_cli("keygen", "--force", "--id", "k-two", str(path))
    assert r.returncode == 0, r.stderr
    new = key_lines(path)
    assert new[0][0] == "k-two" and new[0][1] != old[0][1]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_keygen_ignores_umask(tmp_path):
    path = tmp_path / "master.key"
    r = subprocess.run(["sh", "-c", 'umask 000 && exec "$0" keygen "$1"',
                        os.path.join(BUILD, "xhsync"), str(path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_keygen_defaults_to_config_key_file(run_cli, tmp_path):
    path = tmp_path / "from-config.key"
    r = run_cli("keygen", env={"XHSYNC_SECRETS_KEY_FILE": str(path)})
    assert r.returncode == 0, r.stderr
    assert len(key_lines(path)) == 1


def test_keygen_rejects_bad_id(run_cli, tmp_path):
    r = run_cli("keygen", "--id", "no spaces", str(tmp_path / "k"))
    assert r.returncode == 2
    assert not (tmp_path / "k").exists()


def test_keygen_unwritable_dir_fails(run_cli, tmp_path):
    r = run_cli("keygen", str(tmp_path / "missing" / "k"))
    assert r.returncode == 1


# ---- config ------------------------------------------------------------------

def test_config_check_ok(run_cli, config_path):
    r = run_cli("config", "check")
    assert r.returncode == 0
    assert r.stdout == "config OK: %s\n" % config_path


def test_config_check_reports_bad_value(run_cli, tmp_path):
    bad = tmp_path / "bad.conf"
    bad.write_text("[web]\nprocesses = 0\n")
    r = run_cli("config", "check", config=str(bad))
    assert r.returncode == 1
    assert "processes" in r.stderr and "bad.conf" in r.stderr


def test_config_check_reports_unknown_key(run_cli, tmp_path):
    bad = tmp_path / "bad.conf"
    bad.write_text("[database]\nnonsense = 1\n")
    r = run_cli("config", "check", config=str(bad))
    assert r.returncode == 1 and "nonsense" in r.stderr


def test_config_check_missing_file(run_cli, tmp_path):
    r = run_cli("config", "check", config=str(tmp_path / "absent.conf"))
    assert r.returncode == 1


def test_config_check_extra_argument_is_usage_error(run_cli):
    assert run_cli("config", "check", "extra").returncode == 2


def test_config_show_and_doc(run_cli):
    show = run_cli("config", "show")
    assert show.returncode == 0 and "[database]" in show.stdout
    doc = run_cli("config", "doc")
    assert doc.returncode == 0 and "dsn" in doc.stdout


def test_commands_needing_config_fail_cleanly_without_it(tmp_path):
    r = cli("user", "list", config=str(tmp_path / "absent.conf"))
    assert r.returncode == 1 and "absent.conf" in r.stderr
