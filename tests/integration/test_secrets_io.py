"""Secrets read and printed by the CLI go past stdio (read(2) and write(2)
into buffers wiped after use): the payload of `credential set` is read
whole up to its limit and refused past it, and the password of `user add`
comes out as one well-formed write.
"""
import json
import uuid

import pytest

from jobs_support import JobsInstance

LIMIT = 64 * 1024


@pytest.fixture
def inst(tmp_path):
    i = JobsInstance(tmp_path)
    yield i
    i.close()


def payload(size):
    """A credential JSON object of exactly size bytes."""
    base = {"access_token": "", "tenant_id": str(uuid.uuid4())}
    pad = size - len(json.dumps(base))
    base["access_token"] = "t" * pad
    text = json.dumps(base)
    assert len(text) == size
    return text


def test_a_payload_up_to_the_limit_is_read_whole_past_it_refused(inst):
    link = inst.one("INSERT INTO link (name) VALUES ('s') RETURNING id")
    out = inst.cli("credential", "set", str(link), "xero", input=payload(LIMIT))
    assert out.returncode == 0, out.stderr
    assert inst.one("SELECT count(*) FROM credential WHERE link_id = %s", (link,)) == 1
    out = inst.cli("credential", "set", str(link), "xero", input=payload(LIMIT + 1))
    assert out.returncode != 0
    assert "at most 65536 bytes" in out.stderr
    out = inst.cli("credential", "set", str(link), "xero", input="")
    assert out.returncode != 0, "an empty payload is not a JSON object"


def test_user_add_prints_the_password_in_one_piece_after_the_user(inst):
    email = "wipe-%s@example.com" % uuid.uuid4().hex[:8]
    out = inst.cli("user", "add", email)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "created user " + email
    assert lines[1].startswith("password: ") and len(lines[1]) > len("password: ") + 12
    assert len(lines) == 2
