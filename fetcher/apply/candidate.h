/*
 * candidate.h - the secnet configuration a refresh would produce, laid
 * out beside the state (STATE-DIR/candidate/) so that `secnet -j` can
 * check it before anything secnet reads is changed.
 *
 * The node's own secnet.conf (config keyword secnet-config) is copied
 * with its `include OUTPUT-DIR/sites.conf' line pointed at the candidate,
 * and every planned secnet file and peer-keys file is written there with
 * its include and peer-keys paths pointed at the candidate too.
 * Blocking file I/O: call it on a worker thread.
 */
#ifndef VPNRR_FETCH_CANDIDATE_H
#define VPNRR_FETCH_CANDIDATE_H

#include <stddef.h>

#include "output.h"

#define FETCH_CANDIDATE_DIR "candidate"
#define FETCH_CANDIDATE_MAIN "secnet.conf"
#define FETCH_CANDIDATE_LOG "check.log"

/*
 * Writes the candidate for PLAN (CFG: where the real outputs go) into
 * DIR, made if missing and emptied of earlier candidates, with the main
 * file DIR/secnet.conf made from SECNET_CONFIG.  0, or -1 with ERR (e.g.
 * "/etc/secnet/secnet.conf: has no line `include /etc/secnet/vpnrr/
 * sites.conf'").
 */
int fetch_candidate_write(const struct fetch_plan *plan,
			  const struct fetch_output_cfg *cfg,
			  const char *secnet_config, const char *dir,
			  char *err, size_t errlen);

#endif
