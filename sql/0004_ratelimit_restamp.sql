-- 0004_ratelimit_restamp.sql: sliding windows that hold at the vendor.
--
-- A call enters its scope's sliding-window log when the gate admits it,
-- but reaches the vendor a little later, by a delay that varies (thread
-- scheduling, connection set-up). Two calls max apart in the log could
-- then arrive less than a window apart. Now rl_acquire returns the
-- admission time, and rl_done moves that entry to the time the call
-- finished, which is after it reached the vendor: the next call that
-- needs the entry to leave the window waits a full window after the
-- vendor saw this one, however late it arrived.
--
-- Applied by `xhsync migrate` inside one transaction; never edit this file
-- once applied anywhere: add a new numbered file instead.

DROP FUNCTION rl_acquire(text[], text[], int[], int[], int[], int[], bigint, text, int, int,
	text);
DROP FUNCTION rl_done(text, int, text, text, int, int, int, int, bigint, int, text, int, text);

-- The gate; as in 0003, and `at` is the admission time recorded in the
-- logs (pass it back to rl_done).
CREATE FUNCTION rl_acquire(scopes text[], algos text[], maxes int[], windows_ms int[],
	bursts int[], day_maxes int[], day_ms bigint, slot_scope text, slots int,
	lease_ms int, holder text, OUT ok boolean, OUT wait_ms int, OUT slot int,
	OUT reason text, OUT at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
	r rate_limit;
	t timestamptz;
	i int;
	w int;
	why text;
BEGIN
	ok := false;
	wait_ms := 0;
	INSERT INTO rate_limit (scope) SELECT unnest(scopes) ON CONFLICT DO NOTHING;
	PERFORM 1 FROM rate_limit WHERE scope = ANY (scopes) ORDER BY scope FOR UPDATE;
	t := clock_timestamp();
	FOR i IN 1 .. coalesce(cardinality(scopes), 0) LOOP
		SELECT * INTO r FROM rate_limit WHERE scope = scopes[i];
		SELECT * INTO w, why FROM rl_scope_wait(r, algos[i], maxes[i], windows_ms[i], bursts[i],
		                                 day_maxes[i], day_ms, t);
		IF w > wait_ms THEN
			wait_ms := w;
			reason := why;
		END IF;
	END LOOP;
	IF wait_ms > 0 THEN
		RETURN;
	END IF;
	IF slot_scope IS NOT NULL THEN
		INSERT INTO rate_slot (scope, slot) SELECT slot_scope, g FROM generate_series(1, slots) g
			WHERE NOT EXISTS (SELECT 1 FROM rate_slot f WHERE f.scope = slot_scope AND f.slot = g)
			ON CONFLICT DO NOTHING;
		UPDATE rate_slot s SET holder = rl_acquire.holder,
			lease_until = t + make_interval(secs => lease_ms / 1000.0)
		WHERE (s.scope, s.slot) = (SELECT f.scope, f.slot FROM rate_slot f
			WHERE f.scope = slot_scope AND f.slot <= slots AND f.lease_until <= t
			ORDER BY f.slot LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING s.slot INTO slot;
		IF slot IS NULL THEN
			SELECT greatest(1, rl_ms(min(f.lease_until) - t)) INTO wait_ms FROM rate_slot f
				WHERE f.scope = slot_scope AND f.slot <= slots;
			reason := 'concurrent';
			RETURN;
		END IF;
	END IF;
	FOR i IN 1 .. coalesce(cardinality(scopes), 0) LOOP
		UPDATE rate_limit SET
			hits = CASE WHEN algos[i] = 'log'
			       THEN (hits || t)[greatest(1, cardinality(hits) + 2 - maxes[i]):]
			       ELSE hits END,
			tat = CASE WHEN algos[i] = 'gcra'
			      THEN greatest(tat, t) + make_interval(secs => windows_ms[i] / 1000.0 / maxes[i])
			      ELSE tat END,
			day_start = CASE WHEN day_maxes[i] > 0 AND (day_start IS NULL
			            OR day_start + make_interval(secs => day_ms / 1000.0) <= t)
			            THEN t ELSE day_start END,
			day_used = CASE WHEN day_maxes[i] <= 0 THEN day_used
			           WHEN day_start IS NULL
			                OR day_start + make_interval(secs => day_ms / 1000.0) <= t THEN 1
			           ELSE day_used + 1 END,
			updated_at = t
		WHERE scope = scopes[i];
	END LOOP;
	ok := true;
	at := t;
END
$$;

-- After a call, successful or not: as in 0003, and when admitted is given,
-- the log entry of fb_scope made at admission moves to now.
CREATE FUNCTION rl_done(slot_scope text, slot int, holder text, fb_scope text,
	max int, window_ms int, window_left int, day_max int, day_ms bigint, day_left int,
	block_scope text, retry_after_ms int, why text, admitted timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	t timestamptz;
	used int;
	pos int;
	blocking boolean := block_scope IS NOT NULL AND retry_after_ms > 0;
BEGIN
	IF blocking THEN
		INSERT INTO rate_limit (scope) VALUES (block_scope) ON CONFLICT DO NOTHING;
	END IF;
	PERFORM 1 FROM rate_limit r
	WHERE r.scope IN (fb_scope, CASE WHEN blocking THEN block_scope END)
	ORDER BY r.scope FOR UPDATE;
	t := clock_timestamp();
	IF fb_scope IS NOT NULL AND admitted IS NOT NULL THEN
		SELECT array_position(r.hits, admitted) INTO pos FROM rate_limit r
		WHERE r.scope = fb_scope;
		IF pos IS NOT NULL THEN
			UPDATE rate_limit r SET hits = ARRAY(SELECT h FROM unnest(r.hits[:pos - 1]
				|| r.hits[pos + 1:] || t) h ORDER BY h)
			WHERE r.scope = fb_scope;
		END IF;
	END IF;
	IF blocking THEN
		UPDATE rate_limit r SET
			blocked_until = greatest(r.blocked_until,
			                         t + make_interval(secs => retry_after_ms / 1000.0)),
			block_reason = why, updated_at = t
		WHERE r.scope = block_scope;
	END IF;
	IF fb_scope IS NOT NULL AND window_left IS NOT NULL AND max > 0 THEN
		SELECT count(*) INTO used FROM rate_limit r, unnest(r.hits) h
		WHERE r.scope = fb_scope AND h > t - make_interval(secs => window_ms / 1000.0);
		IF max - window_left > used THEN
			UPDATE rate_limit r SET hits = (r.hits || array_fill(t, ARRAY[max - window_left - used]))
				[greatest(1, cardinality(r.hits) + max - window_left - used + 1 - max):],
				updated_at = t
			WHERE r.scope = fb_scope;
		END IF;
	END IF;
	IF fb_scope IS NOT NULL AND day_left IS NOT NULL AND day_max > 0 THEN
		UPDATE rate_limit r SET day_used = greatest(0, day_max - day_left),
			day_start = CASE WHEN r.day_start IS NULL
			            OR r.day_start + make_interval(secs => day_ms / 1000.0) <= t
			            THEN t ELSE r.day_start END,
			updated_at = t
		WHERE r.scope = fb_scope;
	END IF;
	IF slot_scope IS NOT NULL THEN
		UPDATE rate_slot s SET lease_until = '-infinity', holder = NULL
		WHERE s.scope = slot_scope AND s.slot = rl_done.slot AND s.holder = rl_done.holder;
	END IF;
END
$$;
