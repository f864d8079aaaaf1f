/*
 * DOC: libFuzzer target for the config file: each input is written to a
 * memfd and loaded with conf_load(), so the line reader (comments, BOM,
 * CRLF, long lines, NUL bytes), inih, every section's keys and value
 * parsers and the cross-section checks all run; a loaded config has its
 * groups resolved.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64];
	struct conf *c = NULL;
	struct lo_err err;

	if (fd < 0 && (fd = memfd_create("fuzz_conf", 0)) < 0)
		return 0;
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (conf_load(&c, path, &err) == 0) {
		for (size_t i = 0; i < c->n_entities; i++) {
			const struct geo_entity *m;
			size_t n;
			conf_entity_members(c, c->entities[i].name, &m, &n);
		}
		conf_free(c);
	}
	return 0;
}
