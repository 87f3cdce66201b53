"""The Xero tenant id is compared in one spelling (lower case) wherever it
is used, so a credential that spells it in upper case shares the tenant's
rate-limit scope, its budget and its 429 block (src/xero/api.c).
"""
from jobs_support import wait_for
from test_ratelimit import ORG_PATH, Setup


def test_an_upper_case_tenant_id_shares_the_tenants_rate_limit_scope(tmp_path):
    s = Setup(tmp_path)
    try:
        token = s.xero.post("/_sim/tokens", {"tenantId": s.tenant})["access_token"]
        s.set_credential("xero", {"access_token": token, "tenant_id": s.tenant.upper()})
        s.enqueue("xero.ping", 2)
        w = s.inst.worker(s.config)
        assert wait_for(s.done("xero.ping", 2))
        assert w.stop() == 0
        scopes = {r[0] for r in s.inst.q("SELECT scope FROM rate_limit WHERE scope LIKE 'xero:%%'"
                                          " AND scope <> 'xero:app'")}
        assert scopes == {"xero:" + s.tenant.lower()}, scopes
        calls = s.xero.requests(ORG_PATH)
        assert len(calls) == 2
        for c in calls:
            headers = {k.lower(): v for k, v in c["headers"].items()}
            assert headers["xero-tenant-id"] == s.tenant.lower()
    finally:
        s.inst.close()
