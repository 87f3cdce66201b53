# xhsync-worker: the job worker.
