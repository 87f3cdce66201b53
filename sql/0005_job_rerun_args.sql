-- 0005_job_rerun_args.sql: one-shot arguments of a job's rerun
-- (src/lib/job.c, issue 10).
--
-- Applied by `xhsync migrate` inside one transaction; never edit this file
-- once applied anywhere: add a new numbered file instead.

-- An enqueue that collapses into a running job asks for one more run
-- (rerun). Its args are for that run only: they collect here (merged with
-- jsonb ||, later keys win) instead of in args, and replace args when the
-- running attempt completes, then are cleared. So a request such as
-- {"full": true} applies to exactly one run and is gone after it; it is
-- not inherited by the reruns that later requests ask for.
ALTER TABLE job
	ADD COLUMN rerun_args jsonb CHECK (jsonb_typeof(rerun_args) = 'object');
