/*
 * DOC: static files of the dashboard under the web root.  A request path
 * is cleaned first (http_path_clean: no "..", no hidden files, no encoded
 * slashes), then resolved with realpath() and served only when it is still
 * under the root (a symlink pointing outside is refused), a regular file of
 * a known type and at most HTTP_FILE_MAX bytes.  The file is sent with
 * sendfile by the server; HTML is revalidated on every load, other assets
 * are cached for five minutes.
 */
#include "http/http_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

void http_files_get(struct http_api *a, const char *path, struct http_resp *r)
{
	char rel[1024], full[PATH_MAX], real[PATH_MAX];
	if (!a->web_root) {
		http_resp_error(r, 404, "not found (no web root)");
		return;
	}
	if (http_path_clean(path, rel, sizeof(rel))) {
		http_resp_error(r, 400, "bad path");
		return;
	}
	const char *type = http_content_type(rel);
	size_t rl = strlen(a->web_root);
	if (!type ||
	    (size_t)snprintf(full, sizeof(full), "%s/%s", a->web_root, rel) >= sizeof(full) ||
	    !realpath(full, real) || strncmp(real, a->web_root, rl) || real[rl] != '/') {
		http_resp_error(r, 404, "not found");
		return;
	}
	int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > HTTP_FILE_MAX) {
		if (fd >= 0)
			close(fd);
		http_resp_error(r, 404, "not found");
		return;
	}
	r->status = 200;
	r->type = type;
	r->cache = !strcmp(type, "text/html; charset=utf-8") ? "no-cache" : "public, max-age=300";
	r->fd = fd;
	r->size = st.st_size;
	r->mtime = (int64_t)st.st_mtime;
	r->cacheable = false;
}
