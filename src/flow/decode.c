/*
 * decode.c — flow_decode(): tell the format by the first bytes and hand the
 * datagram to its decoder.
 */
#include <stdlib.h>

#include "flow/flow_int.h"

const char *flow_version_name(uint8_t v)
{
	switch (v) {
	case FLOW_NETFLOW5:
		return "netflow5";
	case FLOW_NETFLOW9:
		return "netflow9";
	case FLOW_IPFIX:
		return "ipfix";
	case FLOW_SFLOW5:
		return "sflow5";
	}
	return "?";
}

void flow_dec_opts_init(struct flow_dec_opts *o)
{
	o->max_exporters = 4096;
	o->max_templates = 1024;
	o->max_template_bytes = 64u << 20;
	o->sampling = 0;
}

int flow_dec_new(struct flow_dec **out, const struct flow_dec_opts *o)
{
	struct flow_dec *d = calloc(1, sizeof(*d));
	if (!d)
		return LO_ENOMEM;
	if (o)
		d->opts = *o;
	else
		flow_dec_opts_init(&d->opts);
	int rc = nf_cache_new(&d->nf, &d->opts);
	if (rc < 0) {
		free(d);
		return rc;
	}
	*out = d;
	return 0;
}

void flow_dec_free(struct flow_dec *d)
{
	if (!d)
		return;
	nf_cache_free(d->nf);
	free(d);
}

const struct flow_dec_stats *flow_dec_stats(const struct flow_dec *d)
{
	return &d->st;
}

int flow_decode(struct flow_dec *d, const struct bgp_addr *exporter, uint16_t port, int64_t now_ms,
		const uint8_t *p, size_t n, flow_cb cb, void *ctx, struct lo_err *err)
{
	(void)port;
	d->st.datagrams++;
	int rc;
	if (n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 5) {
		d->st.sflow5++;
		rc = sflow_decode(d, exporter, now_ms, p, n, cb, ctx, err);
	} else if (n >= 2 && p[0] == 0 && p[1] == 5) {
		d->st.netflow5++;
		rc = nf5_decode(d, exporter, now_ms, p, n, cb, ctx, err);
	} else if (n >= 2 && p[0] == 0 && p[1] == 9) {
		d->st.netflow9++;
		rc = nf9_decode(d, exporter, now_ms, p, n, cb, ctx, err);
	} else if (n >= 2 && p[0] == 0 && p[1] == 10) {
		d->st.ipfix++;
		rc = ipfix_decode(d, exporter, now_ms, p, n, cb, ctx, err);
	} else {
		d->st.unknown++;
		return lo_err_set(err, LO_EUNSUP, 0,
				  "not NetFlow v5/v9, IPFIX or sFlow v5 (%zu bytes)", n);
	}
	if (rc < 0)
		d->st.malformed++;
	return rc;
}
