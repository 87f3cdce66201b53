/*
 * push_sql.c: the push's statements (push_sql.h). The effective content
 * of a record is its mirrored payload with a "_xhsync" member of what
 * else decides its HubSpot form; its hash is SHA-256 of the jsonb text
 * (jsonb prints one canonical form), computed here so an unchanged record
 * is skipped before it leaves PostgreSQL.
 */
#include <stddef.h>

#include "sync/push_sql.h"

/*
 * The keyset step and the "not pushed, not failed" filter of every
 * candidate statement; `also` narrows it further. Every candidate
 * statement takes $5, "only records never written" (companies use it).
 */
/*
 * A step reads the next $4 records in Xero's order (the index
 * xero_record_order_idx), however many of them changed: the effective
 * content is computed for those alone, never for the rest of the mirror.
 */
#define AFTER                                                                                      \
	" AND (r.updated_at, r.xero_id) > ($2::timestamptz, $3::uuid)"                             \
	" ORDER BY r.updated_at, r.xero_id LIMIT $4::int"
/*
 * Every record the step read, in order, with todo: whether it is to be
 * pushed (neither pushed nor failed as it is now; `also` narrows it); the
 * doc only for those.
 */
#define TODO_OF(obj, also)                                                                         \
	" SELECT x.xero_id, CASE WHEN x.todo THEN x.d::text END, encode(x.h, 'hex'),"              \
	" x.updated_at, x.company_id, x.company_why, x.person_id, x.person_why, x.hubspot_id,"     \
	" x.todo FROM (SELECT c.*, f.hubspot_id, f.pushed_hash IS DISTINCT FROM c.h"               \
	"  AND f.failed_hash IS DISTINCT FROM c.h" also " AS todo"                                 \
	"  FROM (SELECT doc.*, sha256(convert_to(doc.d::text, 'UTF8')) AS h FROM doc) c"           \
	"  LEFT JOIN hubspot_ref f ON f.link_id = $1::bigint AND f.object = '" obj "'"             \
	"  AND f.xero_id = c.xero_id) x"                                                           \
	" ORDER BY x.updated_at, x.xero_id"
/* $5 typed but not narrowing: only companies wait for balances. */
#define ANY_AGE " AND $5::boolean IS NOT NULL"
#define REF(alias, obj, id)                                                                        \
	" LEFT JOIN hubspot_ref " alias " ON " alias ".link_id = $1::bigint AND " alias            \
	".object = '" obj "' AND " alias ".xero_id = " id
#define EMAIL_OK "'^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$'"
#define OPEN_INV "payload->>'Status' = 'AUTHORISED'"
/* The link's settings, for the filters (xh_invoice_filter, xh_contact_filter: 0018). */
#define SETTINGS "(SELECT settings FROM link WHERE id = $1::bigint)"
/* {"filter": why} when a link filter leaves the record out (fl.why), else nothing. */
#define FILTERED                                                                                   \
	" || CASE WHEN fl.why IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('filter', fl.why) " \
	"END"
/* The link's paid_mode (link_settings.c): direct (default) or payment. */
#define PAID_MODE                                                                                  \
	"coalesce((SELECT settings->>'paid_mode' FROM link WHERE id = $1::bigint), 'direct')"

/* clang-format off */
const struct xh_sql push_sql[PS__MAX] = {
    /*
     * PS_CAND_COMPANY: a contact with its balances, summed in base currency
     * over its invoices as payments and credit notes leave them
     * (xh_invoice_effective, 0018; one index lookup per contact, so a step
     * reads only the contacts it looks at).
     */
    {"sync_push_company",
     "WITH doc AS MATERIALIZED (SELECT r.xero_id, r.updated_at, r.payload || jsonb_build_object('_xhsync',"
     "  b.bal || CASE WHEN sc.xero_id IS NULL THEN '{}'::jsonb"
     "  ELSE jsonb_build_object('conflict', sc.candidates) END" FILTERED ") AS d,"
     "  NULL::text AS company_id,"
     "  CASE WHEN sc.xero_id IS NOT NULL THEN 'more than one HubSpot company matches by '"
     "   || sc.match_key || ' ' || sc.match_value || ' (HubSpot companies '"
     "   || array_to_string(ARRAY(SELECT jsonb_array_elements_text(sc.candidates)), ', ')"
     "   || '): see xhsync link conflicts' END AS company_why,"
     "  NULL::text AS person_id, NULL::text AS person_why"
     "  FROM (SELECT * FROM xero_record r WHERE r.link_id = $1::bigint AND r.object = 'contact'"
     AFTER " OFFSET 0) r" /* the step's contacts first: balances for those alone */
     "  LEFT JOIN sync_conflict sc ON sc.link_id = r.link_id"
     "  AND sc.xero_id = r.xero_id AND sc.resolved_at IS NULL"
     "  CROSS JOIN LATERAL (SELECT xh_contact_filter(" SETTINGS ", r.payload) AS why) fl"
     "  CROSS JOIN LATERAL (SELECT jsonb_build_object("
     "   'outstanding', round(coalesce(sum(xh_base_amount(i.payload, 'AmountDue'))"
     "    FILTER (WHERE i." OPEN_INV "), 0), 2),"
     "   'overdue', round(coalesce(sum(xh_base_amount(i.payload, 'AmountDue'))"
     "    FILTER (WHERE i." OPEN_INV " AND xh_xero_date(i.payload->>'DueDate') < current_date),"
     "    0), 2),"
     "   'unpaid_invoices', count(*) FILTER (WHERE i." OPEN_INV
     "    AND xh_base_amount(i.payload, 'AmountDue') > 0),"
     "   'last_payment_date', max((SELECT max(xh_xero_date(p->>'Date')) FROM"
     "    jsonb_array_elements(CASE WHEN jsonb_typeof(i.payload->'Payments') = 'array'"
     "    THEN i.payload->'Payments' ELSE '[]'::jsonb END) p))::text) AS bal"
     "   FROM (SELECT xh_invoice_effective(x.link_id, x.payload) AS payload FROM xero_record x"
     "    WHERE x.link_id = r.link_id AND x.object = 'invoice'"
     "    AND xh_uuid_or_null(x.payload->'Contact'->>'ContactID') = r.xero_id"
     "    OFFSET 0) i) b" /* each invoice's effective form computed once, not per use */
     "  ORDER BY r.updated_at, r.xero_id)"
     TODO_OF("company", " AND (NOT $5::boolean OR f.hubspot_id IS NULL)"), 5},
    /*
     * PS_CAND_CONTACT: the primary person; with contact_persons on, each
     * contact person too (xh_contact_persons, 0019), as xh_person_id with
     * the person's names and email in the contact's record. One Xero
     * contact owns each email: a primary person before a contact person,
     * then the lowest ContactID. A person written before and no longer
     * among them comes first (updated_at -infinity) and is left in HubSpot
     * with an audit note.
     */
    {"sync_push_contact",
     "WITH p AS (SELECT xero_id, updated_at, payload, lower(btrim(payload->>'EmailAddress')) AS email"
     "  FROM xero_record WHERE link_id = $1::bigint AND object = 'contact'),"
     " pp AS (SELECT xh_person_id(r.xero_id, cp.email) AS id, r.xero_id AS contact_id,"
     "  r.updated_at, r.payload, cp.email, cp.person, 'contact person ' || coalesce(nullif(left(btrim("
     "  coalesce(cp.person->>'FirstName', '') || ' ' || coalesce(cp.person->>'LastName', '')),"
     "  100), ''), '(no name)') || ' of Xero contact ' || r.xero_id AS who"
     "  FROM p r CROSS JOIN LATERAL xh_contact_persons(" SETTINGS ", r.payload) cp),"
     " owner AS (SELECT DISTINCT ON (email) email, xero_id, person FROM"
     "  (SELECT email, xero_id, false AS person FROM p"
     "   UNION ALL SELECT email, contact_id, true FROM pp) e WHERE email ~ " EMAIL_OK
     "  ORDER BY email, person, xero_id),"
     " prim AS (SELECT r.xero_id, r.updated_at, r.payload || jsonb_build_object('_xhsync',"
     "  jsonb_build_object('company', co.hubspot_id, 'company_excluded', co.excluded,"
     "  'email_owner', o.xero_id)) AS d,"
     "  co.hubspot_id AS company_id, co.excluded AS company_why, NULL::text AS person_id,"
     "  CASE WHEN r.email IS NULL OR r.email = '' THEN 'no email address'"
     "   WHEN r.email !~ " EMAIL_OK " THEN 'no usable email address'"
     "   WHEN o.xero_id <> r.xero_id THEN 'the same email address as Xero contact ' || o.xero_id"
     "  END AS person_why"
     "  FROM p r LEFT JOIN owner o ON o.email = r.email"
     REF("co", "company", "r.xero_id") "),"
     " pers AS (SELECT r.id, r.updated_at, xh_person_doc(r.payload, r.person)"
     "  || jsonb_build_object('_xhsync', jsonb_build_object('company', co.hubspot_id,"
     "  'company_excluded', co.excluded, 'email_owner', o.xero_id, 'email_owner_person', o.person,"
     "  'person_of', r.contact_id)),"
     "  co.hubspot_id, co.excluded, NULL::text,"
     "  CASE WHEN r.email = '' THEN r.who || ' has no email address'"
     "   WHEN r.email !~ " EMAIL_OK " THEN r.who || ' has no usable email address'"
     "   WHEN o.xero_id <> r.contact_id OR NOT o.person THEN r.who"
     "    || ' has the same email address as ' || CASE WHEN o.person THEN 'a contact person'"
     "    ELSE 'the primary person' END || ' of Xero contact ' || o.xero_id END"
     "  FROM pp r LEFT JOIN owner o ON o.email = r.email"
     REF("co", "company", "r.contact_id") "),"
     " gone AS (SELECT f.xero_id, '-infinity'::timestamptz,"
     "  '{\"_xhsync\": {\"removed\": \"contact person\"}}'::jsonb, NULL::text, NULL::text, NULL::text,"
     "  'no longer a contact person to send (' || CASE WHEN " SETTINGS "->'contact_persons'"
     "  = 'true'::jsonb THEN 'gone from its Xero contact, or not included in emails'"
     "  ELSE 'the link setting contact_persons is off' END || '): HubSpot contact '"
     "  || f.hubspot_id || coalesce(' (' || left(f.pushed_props->>'email', 200) || ')', '')"
     "  || ' is left as it is'"
     "  FROM hubspot_ref f WHERE f.link_id = $1::bigint AND f.object = 'contact'"
     "  AND f.hubspot_id IS NOT NULL AND xh_is_person_id(f.xero_id)"
     "  AND NOT EXISTS (SELECT 1 FROM p WHERE p.xero_id = f.xero_id)"
     "  AND NOT EXISTS (SELECT 1 FROM pp WHERE pp.id = f.xero_id)),"
     " doc AS MATERIALIZED (SELECT * FROM (SELECT * FROM prim UNION ALL SELECT * FROM pers"
     "  UNION ALL SELECT * FROM gone) r WHERE true" AFTER ")"
     TODO_OF("contact", ANY_AGE), 5},
    /*
     * PS_CAND_INVOICE: as the mirror's payments and credit notes leave it
     * (paid, credited, due, status), with the HubSpot company and contact
     * of its Xero contact
     */
    {"sync_push_invoice",
     "WITH doc AS MATERIALIZED (SELECT r.xero_id, r.updated_at, xh_invoice_effective(r.link_id, r.payload)"
     "  || jsonb_build_object('_xhsync',"
     "  jsonb_build_object('company', co.hubspot_id, 'contact', pe.hubspot_id,"
     "  'company_excluded', co.excluded, 'contact_excluded', pe.excluded,"
     "  'paid_mode', " PAID_MODE ")" FILTERED ") AS d,"
     "  co.hubspot_id AS company_id, co.excluded AS company_why, pe.hubspot_id AS person_id,"
     "  pe.excluded AS person_why"
     "  FROM xero_record r CROSS JOIN LATERAL (SELECT xh_invoice_filter(" SETTINGS
     ", r.payload) AS why) fl"
     REF("co", "company", "xh_uuid_or_null(r.payload->'Contact'->>'ContactID')")
     REF("pe", "contact", "xh_uuid_or_null(r.payload->'Contact'->>'ContactID')")
     "  WHERE r.link_id = $1::bigint AND r.object = 'invoice'" AFTER ")"
     TODO_OF("invoice", ANY_AGE), 5},
    /* PS_CAND_PRODUCT: an item gone from Xero (0018) says so in _xhsync.gone */
    {"sync_push_product",
     "WITH doc AS MATERIALIZED (SELECT r.xero_id, r.updated_at, CASE WHEN r.gone_at IS NULL THEN r.payload"
     "  ELSE r.payload || '{\"_xhsync\": {\"gone\": \"yes\"}}'::jsonb END AS d,"
     "  NULL::text AS company_id, NULL::text AS company_why, NULL::text AS person_id,"
     "  NULL::text AS person_why"
     "  FROM xero_record r WHERE r.link_id = $1::bigint AND r.object = 'item'" AFTER ")"
     TODO_OF("product", ANY_AGE), 5},
    /*
     * PS_CAND_PAYMENT: with paid_mode payment, a payment with the HubSpot
     * invoice of its Xero invoice (as company_id: its parent)
     */
    {"sync_push_payment",
     "WITH doc AS MATERIALIZED (SELECT r.xero_id, r.updated_at, r.payload || jsonb_build_object('_xhsync',"
     "  jsonb_build_object('invoice', iv.hubspot_id, 'invoice_excluded', iv.excluded)) AS d,"
     "  iv.hubspot_id AS company_id, iv.excluded AS company_why, NULL::text AS person_id,"
     "  NULL::text AS person_why"
     "  FROM xero_record r"
     REF("iv", "invoice", "xh_uuid_or_null(r.payload->'Invoice'->>'InvoiceID')")
     "  WHERE r.link_id = $1::bigint AND r.object = 'payment' AND " PAID_MODE " = 'payment'"
     AFTER ")"
     TODO_OF("commerce_payment", ANY_AGE), 5},
    /* PS_CAND_NOTE: a sales credit note with its body and the HubSpot company of its contact */
    {"sync_push_note",
     "WITH doc AS MATERIALIZED (SELECT r.xero_id, r.updated_at, r.payload || jsonb_build_object('_xhsync',"
     "  jsonb_build_object('company', co.hubspot_id, 'company_excluded', co.excluded,"
     "  'note_body', xh_credit_note_body(r.payload))) AS d,"
     "  co.hubspot_id AS company_id, co.excluded AS company_why, NULL::text AS person_id,"
     "  NULL::text AS person_why"
     "  FROM xero_record r"
     REF("co", "company", "xh_uuid_or_null(r.payload->'Contact'->>'ContactID')")
     "  WHERE r.link_id = $1::bigint AND r.object = 'credit_note'" AFTER ")"
     TODO_OF("note", ANY_AGE), 5},
    /*
     * PS_DECIDED: $4 hash hex, $5 'excluded' or 'failed', $6 the reason, $7 job.
     * An excluded record is marked looked at (pushed_hash); a failed one is
     * kept from retrying until it changes (failed_hash).
     */
    {"sync_push_decided",
     "WITH ref AS (INSERT INTO hubspot_ref (link_id, object, xero_id, pushed_hash, pushed_at,"
     "  excluded, failed_hash, attempts, last_error, last_error_at)"
     " VALUES ($1::bigint, $2, $3::uuid,"
     "  CASE WHEN $5 = 'excluded' THEN decode($4, 'hex') END, CASE WHEN $5 = 'excluded' THEN now() END,"
     "  CASE WHEN $5 = 'excluded' THEN $6 END, CASE WHEN $5 = 'failed' THEN decode($4, 'hex') END,"
     "  CASE WHEN $5 = 'failed' THEN 1 ELSE 0 END,"
     "  CASE WHEN $5 = 'failed' THEN $6 END, CASE WHEN $5 = 'failed' THEN now() END)"
     " ON CONFLICT (link_id, object, xero_id) DO UPDATE SET"
     "  pushed_hash = CASE WHEN $5 = 'excluded' THEN EXCLUDED.pushed_hash ELSE hubspot_ref.pushed_hash END,"
     "  pushed_at = CASE WHEN $5 = 'excluded' THEN now() ELSE hubspot_ref.pushed_at END,"
     "  excluded = EXCLUDED.excluded, failed_hash = EXCLUDED.failed_hash,"
     "  attempts = hubspot_ref.attempts + EXCLUDED.attempts,"
     "  last_error = EXCLUDED.last_error, last_error_at = EXCLUDED.last_error_at"
     " RETURNING hubspot_id)"
     " INSERT INTO audit_event (link_id, object, xero_id, hubspot_id, action, outcome, job_id, detail)"
     " SELECT $1::bigint, $2, $3::uuid, ref.hubspot_id,"
     "  CASE WHEN $5 = 'excluded' THEN 'push.excluded' ELSE 'push.error' END,"
     "  CASE WHEN $5 = 'excluded' THEN 'skipped' ELSE 'error' END, $7::bigint,"
     "  jsonb_build_object('reason', $6::text) FROM ref", 7},
    /* PS_SUMMARY: $3 job, $4 detail */
    {"sync_push_summary",
     "INSERT INTO audit_event (link_id, object, action, outcome, job_id, detail)"
     " VALUES ($1::bigint, $2, 'push', 'ok', $3::bigint, $4::jsonb)", 4},
    /*
     * PS_LINK: the link's status, whether a pull pass of what balances come
     * from is open, its paid_mode, whether its first-push adoption is to
     * run (0018), and its match_key
     */
    {"sync_push_link",
     "SELECT l.status, EXISTS (SELECT 1 FROM sync_cursor c WHERE c.link_id = l.id AND c.pass_open"
     "  AND c.object IN ('invoice', 'payment', 'credit_note')),"
     " coalesce(l.settings->>'paid_mode', 'direct'), l.hubspot_adopted_at IS NULL,"
     " coalesce(l.settings->>'match_key', 'domain')"
     " FROM link l WHERE l.id = $1::bigint", 1},
    /*
     * PS_REPLAY: $2 object or NULL, $3 xero id or NULL (NULL: every failed
     * record), $4 md5 of the error of a group of failed records or NULL.
     * One record is pushed again whatever it was; failed ones retry.
     * Returns the objects touched.
     */
    {"sync_push_replay",
     "UPDATE hubspot_ref SET failed_hash = NULL,"
     "  pushed_hash = CASE WHEN $3::uuid IS NULL THEN pushed_hash END,"
     "  excluded = CASE WHEN $3::uuid IS NULL THEN excluded END"
     " WHERE link_id = $1::bigint AND ($2::text IS NULL OR object = $2)"
     "  AND ($3::uuid IS NULL OR xero_id = $3::uuid)"
     "  AND ($3::uuid IS NOT NULL OR failed_hash IS NOT NULL OR last_error IS NOT NULL)"
     "  AND ($4::text IS NULL OR md5(coalesce(last_error, '')) = $4)"
     " RETURNING object", 4},
    /* PS_REFUSED: $3 the batch's inputs [{xero_id, hash}, ...] */
    {"sync_push_refused",
     "SELECT count(*) FROM jsonb_array_elements($3::jsonb) e JOIN hubspot_ref h"
     " ON h.link_id = $1::bigint AND h.object = $2 AND h.xero_id = (e->>'xero_id')::uuid"
     " AND h.failed_hash = decode(e->>'hash', 'hex')", 3},
    /*
     * PS_SAME: $3 decided inputs [{xero_id, hash, properties, associations}].
     * An input whose record changed in Xero but renders to the properties
     * last written, with the same association targets, costs no HubSpot
     * call: its new hash is stored as pushed. Only records pushed normally
     * (pushed_hash set): one forced again (replay, a mapping change, a
     * HubSpot edit to overwrite) is written whatever it renders to.
     * Returns the xero ids marked.
     */
    {"sync_push_same",
     "UPDATE hubspot_ref f SET pushed_hash = decode(v.h, 'hex'), pushed_at = now()"
     " FROM (SELECT e->>'xero_id' AS x, e->>'hash' AS h, e->'properties' AS pr,"
     "  CASE WHEN jsonb_typeof(e->'associations') = 'array' THEN e->'associations'"
     "  ELSE '[]'::jsonb END AS targets FROM jsonb_array_elements($3::jsonb) e) v"
     " WHERE f.link_id = $1::bigint AND f.object = $2 AND f.xero_id = v.x::uuid"
     "  AND f.hubspot_id IS NOT NULL AND f.pushed_hash IS NOT NULL AND f.failed_hash IS NULL"
     "  AND f.excluded IS NULL AND f.pushed_props = v.pr"
     "  AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v.targets) a"
     "   LEFT JOIN hubspot_ref t ON t.link_id = $1::bigint AND t.object = a->>'object'"
     "   AND t.xero_id = xh_uuid_or_null(a->>'xero_id')"
     "   WHERE t.hubspot_id IS NULL OR f.assoc->>'from' IS DISTINCT FROM f.hubspot_id"
     "   OR f.assoc->>(a->>'object') IS DISTINCT FROM t.hubspot_id)"
     " RETURNING f.xero_id::text", 3},
};
/* clang-format on */

static const enum push_sql cand_table[SO__MAX] = {
    PS_CAND_COMPANY, /* SO_COMPANY */
    PS_CAND_CONTACT, /* SO_CONTACT */
    PS_CAND_INVOICE, /* SO_INVOICE */
    PS__MAX,         /* SO_LINE_ITEM: with their invoice */
    PS_CAND_PRODUCT, /* SO_PRODUCT */
    PS_CAND_PAYMENT, /* SO_PAYMENT */
    PS_CAND_NOTE,    /* SO_NOTE */
};

const struct xh_sql *
push_cand_sql(enum sync_object o)
{
	return cand_table[o] == PS__MAX ? NULL : &push_sql[cand_table[o]];
}
