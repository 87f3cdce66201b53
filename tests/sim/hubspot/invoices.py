"""Commerce rules: invoice defaults and status, computed amounts, line-item
parents and payment totals (HUBSPOT.md 3.1-3.3).

- A create needs hs_currency (model.REQUIRED_ON_CREATE); status starts `draft`,
  hs_invoice_date and hs_due_date default to now.
- hs_invoice_status is draft|open|paid|voided; `open` (and `paid`) need at
  least one associated contact and one associated line item.
- Only draft invoices can be deleted (open too when the portal allows it).
- A line item belongs to exactly one parent (an invoice or a deal).
- Computed, read-only: line-item amount; invoice hs_subtotal, hs_amount_billed,
  hs_amount_paid (succeeded commerce payments associated with it),
  hs_balance_due, hs_payment_date. An open invoice whose balance reaches zero
  becomes paid.
"""

from .util import fail, iso, parse_number, parse_time, validation

LINE_PARENTS = ("invoices", "deals")
NEEDS_LINKS = ("open", "paid")


def _money(val):
    return "%.2f" % val


def defaults(ctx, otype, clean):
    """Input properties plus the values HubSpot fills in on create."""
    out = dict(clean)
    if otype == "invoices":
        now = iso(ctx.now)
        out.setdefault("hs_invoice_status", "draft")
        for name in ("hs_invoice_date", "hs_due_date"):
            if not out.get(name):
                out[name] = now
        out["hs_number"] = "INV-%05d" % next(ctx.portal.invoice_numbers)
    elif otype == "commerce_payments":
        out.setdefault("hs_latest_status", "succeeded")
    return out


def check_status(portal, otype, status, rid, extra=()):
    """400 when an invoice moves to open/paid without a contact and a line item.
    extra: associations about to be created [(to_type, to_id)]."""
    if otype != "invoices" or status not in NEEDS_LINKS:
        return
    linked = set(tt for tt, _ in extra)
    if rid is not None:
        linked.update(tt for tt, _ in portal.associations("invoices", rid))
    missing = [t for t in ("contacts", "line_items") if t not in linked]
    if missing:
        validation("Invoice %s cannot be set to %s: it needs at least one associated contact and at least one "
                   "associated line item (missing: %s)." % (rid or "(new)", status, ", ".join(missing)),
                   context={"missingAssociations": missing})


def check_archive(portal, rec):
    """400 when an invoice that is not a draft is deleted."""
    if rec.otype != "invoices":
        return
    status = rec.props.get("hs_invoice_status", "draft")
    if status == "draft" or (status == "open" and portal.allow_open_invoice_delete):
        return
    validation("Only draft invoices can be deleted; invoice %s is %s." % (rec.id, status))


def check_line_parent(portal, line_id, parent_type, parent_id):
    """400 when a line item already has a different parent (invoice or deal)."""
    for tt in LINE_PARENTS:
        for (_, pid) in portal.associations("line_items", line_id, tt):
            if (tt, pid) != (parent_type, parent_id):
                fail(400, "VALIDATION_ERROR",
                     "Line item %s is already associated with %s %s. A line item can belong to only one "
                     "object; create a separate line item for each." % (line_id, tt[:-1], pid))


def _line_amount(rec):
    qty = parse_number(rec.props.get("quantity", "1")) or 0.0
    price = parse_number(rec.props.get("price", "0")) or 0.0
    pct = parse_number(rec.props.get("hs_discount_percentage", "0")) or 0.0
    unit_off = parse_number(rec.props.get("discount", "0")) or 0.0
    gross = qty * price
    off = gross * pct / 100.0 + qty * unit_off
    rec.props["amount"] = _money(gross - off)
    rec.props["hs_total_discount"] = _money(off)


def recompute(ctx, inv):
    """Refresh an invoice's computed totals from its line items and payments."""
    portal = ctx.portal
    billed = sum(parse_number(portal.get(tt, tid).props.get("amount", "0")) or 0.0
                 for (tt, tid) in portal.associations("invoices", inv.id, "line_items"))
    paid, last = 0.0, None
    for (tt, tid) in portal.associations("invoices", inv.id, "commerce_payments"):
        pay = portal.get(tt, tid)
        if pay.props.get("hs_latest_status", "succeeded") != "succeeded":
            continue
        paid += parse_number(pay.props.get("hs_initial_amount", "0")) or 0.0
        when = parse_time(pay.props.get("hs_initiated_date"))
        if when is not None and (last is None or when > last):
            last = when
    inv.props.update({"hs_subtotal": _money(billed), "hs_amount_billed": _money(billed),
                      "hs_amount_paid": _money(paid), "hs_balance_due": _money(billed - paid)})
    if last:
        inv.props["hs_payment_date"] = iso(last)
    if inv.props.get("hs_invoice_status") == "open" and billed > 0 and billed - paid <= 0.005:
        inv.set("hs_invoice_status", "paid", ctx.now, "CALCULATED")


def _invoices_of(portal, otype, rid):
    return [portal.get(tt, tid) for (tt, tid) in portal.associations(otype, rid, "invoices")]


def after_write(ctx, rec):
    """Computed values after a record changes, and the totals of affected invoices."""
    if rec.otype == "line_items":
        _line_amount(rec)
    if rec.otype == "invoices" and not rec.archived:
        recompute(ctx, rec)
    elif rec.otype in ("line_items", "commerce_payments"):
        for inv in _invoices_of(ctx.portal, rec.otype, rec.id):
            recompute(ctx, inv)
            inv.snapshot(ctx.visible_at, ctx.now)


def after_link(ctx, a, b):
    """Recompute invoice totals after an association between a and b changed."""
    for otype, rid in (a, b):
        if otype == "invoices":
            inv = ctx.portal.get(otype, rid)
            if inv is not None:
                recompute(ctx, inv)
                inv.snapshot(ctx.visible_at, ctx.now)
