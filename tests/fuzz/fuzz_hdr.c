/*
 * DOC: libFuzzer target for flow_hdr_parse() (src/flow/hdr.c): the input
 * is one packet header, parsed as each link type (Ethernet, IPv4, IPv6)
 * from an exact-size copy, so that AddressSanitizer sees any read past
 * its end.  The results are checked for consistency: the UDP payload view
 * lies inside the input and within the UDP length, ports are read only
 * from a first fragment, and a header with an IP address returned 0.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"

static void check(const uint8_t *p, size_t n, enum flow_link link)
{
	struct flow_hdr h;
	int rc = flow_hdr_parse(p, n, link, &h);
	if (rc != 0 && rc != LO_ETRUNC && rc != LO_ECORRUPT && rc != LO_EUNSUP)
		abort();
	if (rc != 0)
		return;
	if (h.src.family != 4 && h.src.family != 6)
		abort();
	if (h.payload) {
		if (h.proto != 17 || !h.l4 || h.payload < p || h.payload_len > n ||
		    h.payload > p + (n - h.payload_len) || h.payload_len > h.udp_len ||
		    !h.payload_len)
			abort();
	} else if (h.payload_len) {
		abort();
	}
	if (h.frag_off && (h.l4 || h.sport || h.dport || h.tcp_flags))
		abort();
	if (h.frag_off && !h.frag)
		abort();
	if (h.vlan > 4095)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum flow_link links[] = {FLOW_LINK_ETHERNET, FLOW_LINK_IPV4, FLOW_LINK_IPV6};
	uint8_t *p = malloc(size ? size : 1);
	if (!p)
		return 0;
	if (size)
		memcpy(p, data, size);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		check(size ? p : NULL, size, links[i]);
	free(p);
	return 0;
}
