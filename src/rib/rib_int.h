/*
 * DOC: rib internals shared by the files of src/rib (not for other modules).
 */
#ifndef LO_RIB_INT_H
#define LO_RIB_INT_H

#include "rib/rib.h"

/* rib_peer_seen() - @peer has an entry in its collector's open RIB dump. */
void rib_peer_seen(struct rib *r, int peer);

#endif
