# xhsync-worker: the job worker.
bin_PROGRAMS += xhsync-worker
xhsync_worker_SOURCES = \
	src/worker/main.c
xhsync_worker_LDADD = libxh.a $(XH_LIBS)
