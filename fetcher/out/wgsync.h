/*
 * wgsync.h - what the `wireguard' driver's sync does to an interface,
 * without doing it.  Private to fetcher/out/ (and its tests).
 *
 * The sync reads the interface's peers (`wg show IFACE dump'), compares
 * them with the peers text the plan rendered, and runs one `wg set IFACE
 * ...' per peer that differs.  The comparison is this pure function, so
 * that it can be tested on a dump's text without wg.
 */
#ifndef VPNRR_FETCH_OUT_WGSYNC_H
#define VPNRR_FETCH_OUT_WGSYNC_H

#include <stddef.h>
#include <stdint.h>

#include "output.h"

/*
 * The `wg set IFACE' argument lists that bring the peers of DUMP (`wg
 * show IFACE dump' text; modified) in line with the peers text DATA
 * (LEN bytes), into OUT: one line per command, arguments separated by
 * single spaces (none contains one), removals first.  Host-name
 * endpoints are resolved here (a name that does not resolve sets no
 * endpoint).  An interface already in line gives no line.  0, or -1
 * with ERR.
 */
int fetch_wg_diff(const uint8_t *data, size_t len, char *dump,
		  struct fetch_text *out, char *err, size_t errlen);

#endif
