# api/local.mk -- the REST surface (api/libscannapi.a) and its description.

noinst_LIBRARIES += api/libscannapi.a
api_libscannapi_a_SOURCES = \
	api/api.h api/api_int.h api/object.c api/http.c \
	api/reply.c api/reply.h api/request.c api/request.h \
	api/views.c api/log.c api/log.h \
	api/jobs.c api/events.c api/datasets.c api/artifacts.c \
	api/health.c api/static.c api/me.c api/schema.c \
	api/delete.c api/predict.c
api_libscannapi_a_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(JANSSON_CFLAGS) \
	$(SQLITE_CFLAGS)

SCANN_API_LIBS = api/libscannapi.a $(SCANN_STORE_LIBS) $(MHD_LIBS)

dist_noinst_DATA += api/openapi.yaml
