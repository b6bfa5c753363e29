/* policy.c - admission rules. */
#include <string.h>

#include "policy.h"

static int inside(const struct pub_admin *a, const struct pub_member *m,
		  struct pub_err *e)
{
	char p[RR_PREFIXSTRLEN];
	size_t bad = 0;

	if (rr_prefixes_within(a->restrict_nets, a->nrestrict, m->nets,
			       m->nnets, &bad))
		return 0;
	rr_prefix_format(&m->nets[bad], p);
	return pub_errf(e, PUB_EXIT_INVALID, m->file, 0, "networks",
			"%s is outside the VPN's restrict-nets", p);
}

static int against(const struct pub_member *old,
		   const struct pub_member *m, struct pub_err *e)
{
	char p[RR_PREFIXSTRLEN], q[RR_PREFIXSTRLEN];

	if (pub_streq_nocase(old->site, m->site))
		return pub_errf(e, PUB_EXIT_INVALID, m->file, 0, "site",
				"%s: name already taken by %s", m->site,
				old->site);
	if (pub_streq_nocase(old->publish, m->publish))
		return pub_errf(e, PUB_EXIT_INVALID, m->file, 0, "publish",
				"%s: already the publish name of %s",
				m->publish, old->site);
	for (size_t i = 0; i < m->nnets; i++)
		for (size_t j = 0; j < old->nnets; j++) {
			if (!rr_prefix_overlap(&m->nets[i], &old->nets[j]))
				continue;
			rr_prefix_format(&m->nets[i], p);
			rr_prefix_format(&old->nets[j], q);
			return pub_errf(e, PUB_EXIT_INVALID, m->file, 0,
					"networks", "%s overlaps %s of %s", p,
					q, old->site);
		}
	for (size_t i = 0; i < m->nkeys; i++)
		for (size_t j = 0; j < old->nkeys; j++)
			if (memcmp(m->keys[i].key, old->keys[j].key,
				   RR_PUBKEY_LEN) == 0)
				return pub_errf(e, PUB_EXIT_INVALID, m->file,
						0, "key", "already the key of "
						"%s", old->site);
	return 0;
}

int pub_policy_admit(const struct pub_admin *a, const struct pub_members *ms,
		     const struct pub_member *cand, bool renew,
		     struct pub_err *e)
{
	char name[RR_MAX_NAME + 1];
	struct rr_error err;

	if (inside(a, cand, e) != 0)
		return -1;
	if (rr_name_member(a->zone, cand->site, name, &err) != RR_OK)
		return pub_errf(e, PUB_EXIT_INVALID, cand->file, 0, "site",
				"%s", err.msg);
	for (size_t i = 0; i < ms->n; i++) {
		if (renew && strcmp(ms->v[i].site, cand->site) == 0)
			continue;
		if (against(&ms->v[i], cand, e) != 0)
			return -1;
	}
	return 0;
}

int pub_policy_all(const struct pub_admin *a, const struct pub_members *ms,
		   struct pub_err *e)
{
	struct pub_members before = { ms->v, 0 };

	for (size_t i = 0; i < ms->n; i++) {
		before.n = i;
		if (pub_policy_admit(a, &before, &ms->v[i], false, e) != 0)
			return -1;
	}
	return 0;
}
