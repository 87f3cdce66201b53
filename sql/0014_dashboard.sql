-- 0014_dashboard.sql: what the console's dashboard needs that nothing
-- recorded yet: whether any worker process is alive.
--
-- Applied by `xhsync migrate` inside one transaction; never edit this file
-- once applied anywhere: add a new numbered file instead.

-- One row per running worker process (name "host:pid"), written by its beat
-- thread every [worker] heartbeat_s and deleted when it stops cleanly. A
-- killed worker's row stays, with an old beat_at; the beat of any worker
-- deletes rows older than a day. The dashboard warns when no row has beaten
-- in the last minute.
CREATE TABLE worker_heartbeat (
	name       text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
	started_at timestamptz NOT NULL DEFAULT now(),
	beat_at    timestamptz NOT NULL DEFAULT now()
);

-- The dashboard's chart counts a link's HubSpot writes per hour.
CREATE INDEX audit_event_write_idx ON audit_event (link_id, at)
	WHERE action = 'hubspot.write' AND outcome = 'ok';
