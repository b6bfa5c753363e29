/* example.h - builds fetch_views from signed records for the output
 * tests and for the integration tool. */
#ifndef VPNRR_TEST_OUTPUTS_EXAMPLE_H
#define VPNRR_TEST_OUTPUTS_EXAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apply.h"
#include "output.h"
#include "view.h"

/* One site as the test writes it: tag values in rr-format's text form.
 * NULL values leave the tag out. */
struct example_spec {
	const char *site;        /* "location/site" */
	const char *member_nets; /* authorised networks */
	const char *ep;          /* "mobile" or endpoints */
	const char *nets;
	const char *ptp;
	const char *ks;
	const char *keys;        /* [~]GROUP:ALG:BASE64,... */
	const char *extra[8];    /* more "tag", "value" pairs, NULL-ended */
};

struct example {
	struct rr_record *members, *records; /* n each */
	struct fetch_site *sites;
	size_t n;
	struct fetch_view view;
};

/* Builds a view of VPN from SPECS (any order; the view is sorted).
 * Returns 0, or -1 with ERR set. */
int example_build(struct example *ex, const char *vpn,
		  const struct example_spec *specs, size_t n, char *err,
		  size_t errlen);
void example_free(struct example *ex);

/* What applying a plan the fetcher's way did (example_apply). */
struct example_applied {
	size_t files_written, files_unchanged, files_removed;
	bool reload_needed;         /* a RELOAD action was owed */
	struct fetch_owed *owed;    /* every owed action */
	size_t nowed;
	struct example_update {     /* the KEYS hand-overs, in order */
		const char *live_path; /* borrowed from owed */
		const uint8_t *data;
		size_t len;
	} updates[16];
	size_t nupdates;
};

/* Applies PLAN as a refresh does: fetch_apply_owe (nothing local), then
 * fetch_apply_files.  RES is always initialised; free it with
 * example_applied_free.  0, or -1 with ERR. */
int example_apply(struct fetch_plan *plan,
		  struct example_applied *res, char *err, size_t errlen);
void example_applied_free(struct example_applied *res);

/* "0000GGGG:rsa1:BASE64(TEXT)" for rsa1 public key text TEXT; a new
 * string or NULL. */
char *example_rsa1_key(const char *group, const char *text);

#endif
