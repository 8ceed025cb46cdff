/*
 * object.c -- the api object's life: made over a store with the daemon's
 * settings and hooks, freed with its caches, and asked how many
 * connections it holds suspended.  Requests themselves start in http.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

struct scann_api *scann_api_new(struct scann_store *st,
				const struct scann_api_config *cfg,
				const struct scann_api_hooks *hooks)
{
	struct scann_api *api = calloc(1, sizeof(*api));

	if (api == NULL)
		abort();
	api->st = st;
	api->cfg = *cfg;
	api->cfg.data_dir = strdup(cfg->data_dir);
	api->cfg.web_dir = cfg->web_dir ? strdup(cfg->web_dir) : NULL;
	api->cfg.worker = strdup(cfg->worker ? cfg->worker : "scann-worker");
	if (api->cfg.data_dir == NULL || api->cfg.worker == NULL)
		abort();
	api->hooks = *hooks;
	snprintf(api->data_prefix, sizeof(api->data_prefix), "%s/",
		 api->cfg.data_dir);
	/* No upload is in flight yet: any temporary file is a crash's. */
	api_datasets_sweep(api->cfg.data_dir);
	return api;
}

void scann_api_free(struct scann_api *api)
{
	int i;

	if (api == NULL)
		return;
	for (i = 0; i < API_VIEW_CACHE; i++) {
		free(api->cache[i].owner);
		free(api->cache[i].body);
	}
	api_event_cache_drop(api, api->evcache.job_id);
	free((char *)api->cfg.data_dir);
	free((char *)api->cfg.web_dir);
	free((char *)api->cfg.worker);
	free(api);
}

/*
 * SIGHUP: the limits, keep-alive period and token check change for the
 * requests that start from now on; paths stay as they were.
 */
void scann_api_reconfigure(struct scann_api *api,
			   const struct scann_api_config *cfg)
{
	api->cfg.max_body = cfg->max_body;
	api->cfg.max_dataset = cfg->max_dataset;
	api->cfg.auth = cfg->auth;
	api->cfg.ping_ms = cfg->ping_ms;
}

int scann_api_suspended(const struct scann_api *api)
{
	const struct api_stream *s;
	const struct api_req *w;
	int n = 0;

	for (s = api->streams; s != NULL; s = s->next)
		n += s->suspended;
	for (w = api->waiters; w != NULL; w = w->next_wait)
		n += w->suspended;
	return n;
}
