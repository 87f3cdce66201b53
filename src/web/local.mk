# xhsync-web: the FastCGI front (owned by the web layer).
# Everything but main.c goes into libxhweb.a so unit tests can link it.
noinst_LIBRARIES += libxhweb.a
libxhweb_a_SOURCES = \
	src/web/web.h \
	src/web/form.c \
	src/web/request.c \
	src/web/response.c \
	src/web/router.c \
	src/web/routes.c \
	src/web/html.c \
	src/web/template.h \
	src/web/template_int.h \
	src/web/template.c \
	src/web/template_render.c \
	src/web/template_set.c \
	src/web/fcgi_loop.c \
	src/web/supervisor.c \
	src/web/handlers/health.c \
	src/web/session.c \
	src/web/page.c \
	src/web/handlers/home.c \
	src/web/handlers/login.c \
	src/web/handlers/users.c

bin_PROGRAMS += xhsync-web
xhsync_web_SOURCES = src/web/main.c
xhsync_web_LDADD = libxhweb.a libxh.a $(XH_LIBS) $(FCGI_LIBS)
libxhweb_a_SOURCES += src/web/handlers/webhook.h src/web/handlers/webhook.c \
	src/web/handlers/webhook_xero.c src/web/handlers/webhook_hubspot.c \
	src/xero/webhook.h src/xero/webhook.c src/xero/pull_wire.c \
	src/hubspot/webhook.h src/hubspot/webhook.c
# The field-mapping editor (issue 14) and the mapping engine it edits.
libxhweb_a_SOURCES += src/web/handlers/mapping.h src/web/handlers/mapping.c \
	src/web/handlers/mapping_post.c $(SYNC_MAP_SOURCES) src/sync/map_store.h src/sync/map_store.c \
	src/sync/map_check.h src/sync/map_check.c src/sync/push.h src/sync/push_jobs.c
