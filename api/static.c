/*
 * static.c -- the dashboard's files (--web-dir) at /, read-only.
 *
 * The URL path (already percent-decoded by MHD) is checked segment by
 * segment: no empty, "." or ".." segment, nothing hidden (leading dot), no
 * backslash; then the resolved real path must still lie under the web
 * directory's real path, so neither "../" nor a symlink leads out.  Every
 * answer carries a Content-Security-Policy that allows only this origin.
 */
#define _XOPEN_SOURCE 700	/* realpath */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_int.h"
#include "reply.h"

static const char CSP[] =
	"default-src 'self'; script-src 'self'; style-src 'self'; "
	"img-src 'self' data:; connect-src 'self'; font-src 'self'; "
	"object-src 'none'; base-uri 'none'; form-action 'self'; "
	"frame-ancestors 'none'";

static const struct {
	const char *ext, *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".map", "application/json" },
	{ ".woff2", "font/woff2" },
	{ ".webmanifest", "application/manifest+json" },
};

static const char *content_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot != NULL)
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

/* 1 if url is a path we are willing to look up. */
static int path_safe(const char *url)
{
	const char *p = url, *seg;
	size_t n;

	if (*p != '/' || strchr(url, '\\') != NULL || strlen(url) > 1024)
		return 0;
	while (*p == '/') {
		seg = ++p;
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0)
			return *p == '\0';	/* a trailing slash */
		if (seg[0] == '.')
			return 0;	/* ".", "..", hidden files */
	}
	return *p == '\0';
}

static enum MHD_Result not_found(struct api_req *r)
{
	return api_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "path",
			       "no such file");
}

enum MHD_Result api_static_get(struct scann_api *api, struct api_req *r)
{
	char want[PATH_MAX + 64], real[PATH_MAX], root[PATH_MAX];
	const char *url = r->path;
	struct MHD_Response *resp;
	struct stat sb;
	size_t rl;
	int fd;

	if (api->cfg.web_dir == NULL || !path_safe(url))
		return not_found(r);
	if (realpath(api->cfg.web_dir, root) == NULL)
		return not_found(r);
	snprintf(want, sizeof(want), "%s%s%s", root, url,
		 url[strlen(url) - 1] == '/' ? "index.html" : "");
	if (realpath(want, real) == NULL)
		return not_found(r);
	rl = strlen(root);
	if (strncmp(real, root, rl) != 0 || real[rl] != '/')
		return not_found(r);
	if (stat(real, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		/* /dir -> /dir/index.html, checked again. */
		if (strlen(real) + 12 >= sizeof(real))
			return not_found(r);
		strcat(real, "/index.html");
	}
	fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		return not_found(r);
	}
	resp = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
	if (resp == NULL) {
		close(fd);
		return not_found(r);
	}
	MHD_add_response_header(resp, "Content-Type", content_type(real));
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	/* HTML revalidates (it names the assets); assets may be cached. */
	MHD_add_response_header(resp, "Cache-Control",
				strstr(content_type(real), "text/html") ?
				"no-cache" : "public, max-age=300");
	api_count_status(api, MHD_HTTP_OK);
	return api_queue(r, MHD_HTTP_OK, resp);
}
