/*
 * table.c - the one list of output drivers (output.h).  A new output is
 * its driver file plus one line here; README.md says what a driver
 * provides.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "output.h"

/* Planned, and so written and renamed into place, in this order: a new
 * site's peer-keys file before the secnet configuration that names it,
 * since secnet refuses a configuration whose keyset file is missing and
 * a run may be killed between two renames.  (Removals come after all
 * writes, so a file goes only once nothing names it.) */
const struct fetch_output_driver *const fetch_outputs[] = {
	&fetch_output_peerkeys,
	&fetch_output_secnet,
	&fetch_output_sitesfile,
	&fetch_output_json,
	&fetch_output_wg_quick,
	&fetch_output_wireguard,
};

const size_t fetch_noutputs = sizeof(fetch_outputs) / sizeof(fetch_outputs[0]);

_Static_assert(sizeof(fetch_outputs) / sizeof(fetch_outputs[0]) <=
		       FETCH_OUTPUTS_MAX,
	       "more outputs than FETCH_OUTPUTS_MAX");

const struct fetch_output_driver *fetch_output_find(const char *keyword)
{
	for (size_t i = 0; i < fetch_noutputs; i++)
		if (strcmp(fetch_outputs[i]->keyword, keyword) == 0)
			return fetch_outputs[i];
	return NULL;
}

void fetch_output_cfg_from(struct fetch_output_cfg *out,
			   const struct fetch_config *c)
{
	memset(out, 0, sizeof(*out));
	out->secnet_dir = c->out_secnet;
	out->pubkeys_dir = c->out_peer_keys;
	out->sitesfile_path = c->out_sites_file;
	out->json_path = c->out_json;
	out->default_dh = c->sites_dh;
	out->default_hash = c->sites_hash;
	out->vpn_contact = c->sites_contact;
	out->secnet_dh = c->secnet_dh;
	out->secnet_hash = c->secnet_hash;
	out->wg_iface = c->out_wireguard;
	out->wg_quick_path = c->out_wg_quick;
	out->local_site = c->has_local_site ? c->local_site : NULL;
}

int fetch_output_sync(const char *target, const uint8_t *data, size_t len,
		      char *err, size_t errlen)
{
	const char *colon = strchr(target, ':');

	for (size_t i = 0; colon && i < fetch_noutputs; i++) {
		const struct fetch_output_driver *d = fetch_outputs[i];
		size_t l = strlen(d->keyword);
		if (d->sync && l == (size_t)(colon - target) &&
		    strncmp(d->keyword, target, l) == 0)
			return d->sync(colon + 1, data, len, err, errlen);
	}
	(void)snprintf(err, errlen, "%s: no output driver syncs this", target);
	return -1;
}
