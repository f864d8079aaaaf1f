/*
 * DOC: conf internals — parsers for single values, shared by conf.c and the
 * unit tests.  Each returns NULL when @v is good (and fills *@out), or a
 * constant text saying what is wrong; the caller adds file, line and key.
 */
#ifndef LO_CONF_INT_H
#define LO_CONF_INT_H

#include "conf/conf.h"

/* conf_val_uint() - a decimal number (digits only) in [@min, @max]. */
const char *conf_val_uint(const char *v, uint64_t min, uint64_t max, uint64_t *out);

/*
 * conf_val_double() - a decimal number (digits, '.', an exponent; no inf,
 * nan or hex) in [@min, @max], or in (@min, @max] when @min_open.
 */
const char *conf_val_double(const char *v, double min, double max, bool min_open, double *out);

/* conf_val_bool() - yes/no, true/false, on/off, 1/0 (any case). */
const char *conf_val_bool(const char *v, bool *out);

/* conf_val_addr() - an IPv4 or IPv6 address (inet_pton; no host names). */
const char *conf_val_addr(const char *v, struct bgp_addr *out);

/* conf_val_endpoint() - ADDR:PORT (IPv4) or [ADDR]:PORT (IPv6), port 1..65535. */
const char *conf_val_endpoint(const char *v, struct conf_endpoint *out);

/*
 * conf_val_prefix() - ADDR/LEN with host bits zero, through
 * geo_entity_parse(); the reason goes to @why (@cap bytes).
 */
int conf_val_prefix(const char *v, struct bgp_prefix *out, char *why, size_t cap);

/* conf_val_name() - a section NAME: [A-Za-z0-9_-]{1,CONF_NAME_MAX}. */
const char *conf_val_name(const char *v);

/* conf_val_geo_source() - "libloc", "libloc:PATH" or "rir:PATH" (PATH not empty). */
const char *conf_val_geo_source(const char *v);

/*
 * conf_val_probe_target() - http://..., https://..., icmp:ADDR, tcp:ADDR:PORT,
 * tcp:[V6]:PORT or block:PREFIX (IPv4, /16 to /32) into the kind, address,
 * port and block fields of @p (not @target, @url); 0 or LO_EINVAL with the
 * reason in @why.
 */
int conf_val_probe_target(const char *v, struct conf_probe *p, char *why, size_t cap);

/* conf_addr_eq() / conf_endpoint_eq() / conf_prefix_eq() - equality of the parsed forms. */
bool conf_addr_eq(const struct bgp_addr *a, const struct bgp_addr *b);
bool conf_endpoint_eq(const struct conf_endpoint *a, const struct conf_endpoint *b);
bool conf_prefix_eq(const struct bgp_prefix *a, const struct bgp_prefix *b);

#endif
