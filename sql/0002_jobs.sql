-- 0002_jobs.sql: the job queue (DESIGN.md section 5) and the rate limiter
-- shared by every worker (section 6).
--
-- Applied by `xhsync migrate` inside one transaction; never edit this file
-- once applied anywhere: add a new numbered file instead.

------------------------------------------------------------------------
-- The job queue.

-- One unit of work. States: available -> running -> completed; a failure
-- goes to retryable (run_at in the future) until max_attempts, then to
-- discarded with last_error kept; an operator may cancel. vendor is the
-- kind's prefix ("xero.ping" -> "xero") and says which vendor scope a 429
-- blocks. unique_key collapses duplicates among non-final jobs (index
-- below); an enqueue that collapses into a running job sets rerun, so the
-- job runs once more after it completes and no change is missed.
-- worker is the claim token of the running attempt ("host:pid:thread:n"):
-- a result is written only by the attempt that holds the claim.
CREATE TABLE job (
	id           bigserial PRIMARY KEY,
	kind         text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$'
	                                  AND length(kind) <= 64),
	vendor       text NOT NULL GENERATED ALWAYS AS (split_part(kind, '.', 1)) STORED,
	link_id      bigint REFERENCES link (id) ON DELETE CASCADE,
	args         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(args) = 'object'),
	state        text NOT NULL DEFAULT 'available'
	             CHECK (state IN ('available', 'running', 'retryable', 'completed',
	                              'discarded', 'cancelled')),
	priority     smallint NOT NULL DEFAULT 0 CHECK (priority BETWEEN -100 AND 100),
	run_at       timestamptz NOT NULL DEFAULT now(),
	attempts     int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	max_attempts int NOT NULL DEFAULT 20 CHECK (max_attempts BETWEEN 1 AND 1000),
	snoozes      int NOT NULL DEFAULT 0 CHECK (snoozes >= 0),
	unique_key   text CHECK (length(unique_key) BETWEEN 1 AND 200),
	rerun        boolean NOT NULL DEFAULT false,
	last_error   text CHECK (length(last_error) <= 2000),
	worker       text,
	created_at   timestamptz NOT NULL DEFAULT now(),
	attempted_at timestamptz,
	heartbeat_at timestamptz,
	finished_at  timestamptz
);
-- The unique key holds among non-final states only, so a finished job
-- never blocks new work with the same key.
CREATE UNIQUE INDEX job_unique_key ON job (unique_key)
	WHERE unique_key IS NOT NULL AND state IN ('available', 'running', 'retryable');
-- The claim walks (link, vendor) groups of ready jobs, then each group in
-- priority and time order (see job.c). Link 0 stands for "no link".
CREATE INDEX job_ready_idx ON job (coalesce(link_id, 0), vendor, priority, run_at, id)
	WHERE state IN ('available', 'retryable');
-- The rescuer looks for running jobs with a stale heartbeat.
CREATE INDEX job_running_idx ON job (heartbeat_at) WHERE state = 'running';
-- Operator filters, and ON DELETE CASCADE from link.
CREATE INDEX job_link_idx ON job (link_id, state);
CREATE INDEX job_kind_idx ON job (kind, state);
-- Pruning of finished jobs by age.
CREATE INDEX job_finished_idx ON job (finished_at)
	WHERE state IN ('completed', 'discarded', 'cancelled');
-- A queue table churns: vacuum it early so claims do not wade through
-- dead index entries.
ALTER TABLE job SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 500,
	autovacuum_analyze_scale_factor = 0.05, autovacuum_vacuum_cost_limit = 2000);

-- Recurring schedules: one row per schedule key; a worker that moves
-- next_run_at forward (one UPDATE, row lock for that statement only) is
-- the one that enqueues the run, under the same unique key.
CREATE TABLE job_schedule (
	key         text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
	next_run_at timestamptz NOT NULL DEFAULT now(),
	last_run_at timestamptz
);

------------------------------------------------------------------------
-- The rate limiter.

-- One row per limited scope:
--   xero:<tenant uuid>      per organisation: minute window + day counter
--   xero:app                app-wide minute budget (GCRA)
--   hubspot:<portal id>     per portal: ten-second window
--   hubspot-search:<portal> per portal: search, one-second window
-- hits is a sliding-window log, oldest first, at most the window's budget
-- long: a call is allowed when fewer than max hits are younger than the
-- window. tat is the GCRA theoretical arrival time. day_used counts the
-- calls of the day window that started at day_start and is corrected
-- from X-DayLimit-Remaining. blocked_until is set by a 429 and stops
-- every worker, and the claim of that vendor's jobs for the links of
-- the scope.
CREATE TABLE rate_limit (
	scope         text PRIMARY KEY CHECK (length(scope) BETWEEN 1 AND 100),
	hits          timestamptz[] NOT NULL DEFAULT '{}',
	tat           timestamptz,
	day_start     timestamptz,
	day_used      int NOT NULL DEFAULT 0,
	blocked_until timestamptz,
	block_reason  text,
	updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Leased concurrency slots (Xero: 5 in flight per organisation). A slot
-- is free when lease_until has passed, so a killed worker cannot leak one.
-- holder is unique per call, so a late release never frees another call's
-- lease.
CREATE TABLE rate_slot (
	scope       text NOT NULL,
	slot        int NOT NULL CHECK (slot >= 1),
	holder      text,
	lease_until timestamptz NOT NULL DEFAULT '-infinity',
	PRIMARY KEY (scope, slot)
);

-- Milliseconds in an interval, rounded up, never negative.
CREATE FUNCTION rl_ms(d interval) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
	SELECT greatest(0, ceil(extract(epoch FROM d) * 1000))::int
$$;

-- How long a call must wait for one scope row r, given its limits, and
-- why (blocked, window or day); 0 if it may go now. algo is 'log' (a
-- sliding window of max calls per window_ms) or 'gcra' (max per
-- window_ms, evenly spaced, with a burst of burst extra calls).
CREATE FUNCTION rl_scope_wait(r rate_limit, algo text, max int, window_ms int, burst int,
	day_max int, day_ms bigint, t timestamptz, OUT w int, OUT why text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	n int := cardinality(r.hits);
	emit interval := make_interval(secs => window_ms / 1000.0 / max);
	day_end timestamptz := r.day_start + make_interval(secs => day_ms / 1000.0);
	x int;
BEGIN
	w := 0;
	IF r.blocked_until > t THEN
		w := rl_ms(r.blocked_until - t);
		why := 'blocked';
	END IF;
	x := CASE WHEN algo = 'log' AND n >= max
	          THEN rl_ms(r.hits[n - max + 1] + make_interval(secs => window_ms / 1000.0) - t)
	          WHEN algo = 'gcra' AND r.tat IS NOT NULL THEN rl_ms(r.tat - emit * burst - t)
	          ELSE 0 END;
	IF x > w THEN
		w := x;
		why := 'window';
	END IF;
	IF day_max > 0 AND r.day_used >= day_max AND day_end > t AND rl_ms(day_end - t) > w THEN
		w := rl_ms(day_end - t);
		why := 'day';
	END IF;
END
$$;

-- The gate in front of every vendor call. Checks every scope of the call
-- (arrays of equal length, one entry per scope) and, when slot_scope is
-- not NULL, leases one of its slots concurrent slots for lease_ms. Either
-- everything is granted and recorded, or nothing is and wait_ms says how
-- long to wait (reason: blocked, window, day or concurrent; for
-- concurrent the wait is until the earliest lease expires, an upper
-- bound). Rows are locked in scope order for this statement only, and
-- the clock is read after the locks are held.
--
-- Lock order: every function takes rate_limit rows first, in scope order,
-- and rate_slot rows last, and rl_acquire never waits on a slot row (it only
-- inserts slots that do not exist yet and skips locked ones), so the gate
-- cannot deadlock with rl_done. `at` is the admission time recorded in the
-- sliding-window logs; pass it back to rl_done.
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

-- After a call, successful or not: frees the call's slot (only if it still
-- holds it) after locking the scope rows in scope order, as rl_acquire does;
-- corrects one scope (fb_scope) from the response headers; a 429
-- (retry_after_ms > 0) blocks block_scope until then for every worker. When
-- admitted is given, fb_scope's log entry made at admission moves to now:
-- the call reached the vendor some time after admission, so the next call
-- that needs that entry to leave the window waits a full window after the
-- vendor saw this one, however late it arrived.
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
