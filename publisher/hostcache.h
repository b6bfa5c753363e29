/* hostcache.h - ADMINDIR/verified: the site records "vpnrr index" hosts
 * (site-records) that were verified before, by the chain library's own
 * cache key (rrchain_site_key: the member entry's content and the record's
 * exact bytes).  The same bytes under the same member entry are not
 * verified again, only their validity period is checked; anything else
 * (a new record, a changed membership, an edited file) misses and is
 * verified in full.  "vpnrr import" writes the entries of the records it
 * has just signed under the memberships it has just made.
 *
 * One line per site: SITE KEY SERIAL NOT-BEFORE EXPIRES CONTENT (hashes
 * in hex, times in Unix seconds).  A missing or unreadable file is an
 * empty cache: it only costs time. */
#ifndef PUB_HOSTCACHE_H
#define PUB_HOSTCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "rrchain.h"
#include "util.h"

struct pub_hostcache_entry {
	char site[RR_SITENAMELEN];
	struct rrchain_site_cache c;
};

struct pub_hostcache {
	struct pub_hostcache_entry *v;
	size_t n, cap;
};

/* Reads DIR/verified (sorted by site name afterwards). */
void pub_hostcache_load(const char *dir, struct pub_hostcache *hc);
/* The entry of SITE in a loaded cache, or NULL. */
const struct rrchain_site_cache *pub_hostcache_find(
	const struct pub_hostcache *hc, const char *site);
/* Appends SITE's entry (a cache being built: find is for loaded ones). */
int pub_hostcache_add(struct pub_hostcache *hc, const char *site,
		      const struct rrchain_site_cache *c, struct pub_err *e);
/* DIR/verified (new string). */
char *pub_hostcache_path(const char *dir);
/* The file's text, sorted (new string, caller frees; NULL: no memory). */
char *pub_hostcache_text(struct pub_hostcache *hc, size_t *len);
/* Writes DIR/verified atomically, unless it holds that text already. */
int pub_hostcache_save(const char *dir, struct pub_hostcache *hc,
		       struct pub_err *e);
void pub_hostcache_free(struct pub_hostcache *hc);

/* The entry of a site record RR signed for MEMBER (both unsigned member
 * entry and record as a reader gets them), as a verification would make
 * it. */
int pub_hostcache_entry(const struct rr_record *member,
			const struct rr_record *rr,
			struct rrchain_site_cache *c, struct pub_err *e);

#endif
