"""The console's settings page lists filters.invoice_statuses with the other
link settings (src/web/handlers/link_settings_page.c reads the one table in
src/sync/link_settings.c): saved normalised, a bad status named inline with
what was typed kept, and nothing changed."""
import html
import json
import re

import pytest

from console_support import Client, form_token
# the settings page's fixtures: an admin and a synced link
from test_console_health import admin, s  # noqa: F401


@pytest.fixture
def web(base_url, admin, db):  # noqa: F811
    """Signed in, after sign-in failures of earlier tests (all from 127.0.0.1) are forgotten."""
    with db.cursor() as cur:
        cur.execute("DELETE FROM login_throttle")
    c = Client(base_url)
    r = c.login(*admin)
    assert r.status == 303, r.body[:300]
    return c


def save(web, link, fields):
    action = "/links/%d/settings" % link
    fields = dict(fields, csrf=form_token(web.get(action).body, action))
    return web.post(action, fields)


def statuses(s):
    st = json.loads(s.q("SELECT settings::text FROM link WHERE id = %s", (s.link,))[0][0])
    return (st.get("filters") or {}).get("invoice_statuses")


def test_invoice_statuses_are_a_field_of_the_settings_page(web, s):
    page = web.get("/links/%d/settings" % s.link).body.decode()
    assert "Invoice statuses" in page
    assert re.search(r'name="filters.invoice_statuses" value=""', page)
    r = save(web, s.link, {"filters.invoice_statuses": "paid, authorised"})
    assert r.status == 303
    assert statuses(s) == "AUTHORISED,PAID"
    page = web.get("/links/%d/settings" % s.link).body.decode()
    assert 'name="filters.invoice_statuses" value="AUTHORISED,PAID"' in page


@pytest.mark.parametrize("typed,named", [
    ("AUTHORISED,PAYED", "'PAYED'"),
    ("<script>alert(1)</script>", "'<SCRIPT>ALERT(1)</SCRIPT>'"),
])
def test_a_bad_status_is_named_inline_and_nothing_changes(web, s, typed, named):
    r = save(web, s.link, {"filters.invoice_statuses": typed})
    assert r.status == 422
    page = r.body.decode()
    assert html.escape("Invoice statuses has %s, which is not one of" % named, quote=True) \
        .replace("&#x27;", "&#39;") in page
    assert re.search(r'id="f-filters.invoice_statuses" name="filters.invoice_statuses"'
                     r'[^>]*aria-invalid="true"', page)
    assert 'value="%s"' % html.escape(typed, quote=True) in page
    assert "<script>alert(1)" not in page
    assert statuses(s) is None
