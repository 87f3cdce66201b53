-- 0021_parallel_dates.sql: xh_xero_date (0010) without an exception block.
--
-- Applied by `xhsync migrate` inside one transaction; never edit this file
-- once applied anywhere: add a new numbered file instead.
--
-- The function was PARALLEL SAFE, but a plpgsql EXCEPTION clause starts a
-- subtransaction, which PostgreSQL refuses inside a parallel plan ("cannot
-- start subtransactions during a parallel operation"): the push's company
-- candidates, whose balances call it per invoice, failed whenever the
-- planner chose a parallel scan. The same answers, computed without
-- anything that can raise: a day past the month's end is NULL, as before.
CREATE OR REPLACE FUNCTION xh_xero_date(s text) RETURNS date
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	v date;
BEGIN
	IF s ~ '^/Date\(-?[0-9]{1,15}([+-][0-9]{4})?\)/$' THEN
		RETURN date '1970-01-01' + floor(substring(s FROM '-?[0-9]+')::bigint / 86400000.0)::int;
	ELSIF s ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])' AND left(s, 4) <> '0000' THEN
		v := make_date(left(s, 4)::int, substring(s FROM 6 FOR 2)::int, 1)
		     + (substring(s FROM 9 FOR 2)::int - 1);
		IF extract(month FROM v) = substring(s FROM 6 FOR 2)::int THEN
			RETURN v;
		END IF;
	END IF;
	RETURN NULL;
END
$$;
