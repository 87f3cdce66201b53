-- 0008_console: sign-in throttling for the admin console (DESIGN.md §9).
--
-- One row per throttled scope: an account (the lower-cased email as typed,
-- whether or not such an account exists, so the answer reveals nothing)
-- or a client address. failures counts failed sign-ins since window_start;
-- once it reaches the scope's limit, blocked_until is set and every
-- attempt, right or wrong, is refused until then.
CREATE TABLE login_throttle (
	scope         text NOT NULL CHECK (scope IN ('account', 'ip')),
	key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 254),
	failures      int NOT NULL DEFAULT 0 CHECK (failures >= 0),
	window_start  timestamptz NOT NULL DEFAULT now(),
	blocked_until timestamptz,
	PRIMARY KEY (scope, key)
);
CREATE INDEX login_throttle_window_idx ON login_throttle (window_start);
