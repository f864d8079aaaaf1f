/*
 * DOC: flow internals shared by the decoders: the decoder state and the
 * per-format entry points behind flow_decode().
 */
#ifndef LO_FLOW_INT_H
#define LO_FLOW_INT_H

#include "flow/flow.h"

struct nf_cache; /* netflow.c: template caches, one per (exporter, domain) */

struct flow_dec {
	struct flow_dec_opts opts;
	struct flow_dec_stats st;
	struct nf_cache *nf;
};

/*
 * Each decodes one datagram (the whole UDP payload, @c) and returns the
 * records delivered or a negative LO_E* with @err set (offsets relative to
 * the datagram's first byte).  The caller has counted the datagram in
 * st.datagrams and its version counter.
 */
int nf5_decode(struct flow_dec *d, const struct bgp_addr *exporter, int64_t now_ms,
	       const uint8_t *p, size_t n, flow_cb cb, void *ctx, struct lo_err *err);
int nf9_decode(struct flow_dec *d, const struct bgp_addr *exporter, int64_t now_ms,
	       const uint8_t *p, size_t n, flow_cb cb, void *ctx, struct lo_err *err);
int ipfix_decode(struct flow_dec *d, const struct bgp_addr *exporter, int64_t now_ms,
		 const uint8_t *p, size_t n, flow_cb cb, void *ctx, struct lo_err *err);
int sflow_decode(struct flow_dec *d, const struct bgp_addr *exporter, int64_t now_ms,
		 const uint8_t *p, size_t n, flow_cb cb, void *ctx, struct lo_err *err);

/* netflow.c: the template caches' life. */
int nf_cache_new(struct nf_cache **out, const struct flow_dec_opts *o);
void nf_cache_free(struct nf_cache *c);

#endif
