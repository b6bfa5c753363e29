/* chain_int.h - what the auditor's files share (chain.c walks the zones,
 * chain_gather.c turns the input into the library's RRsets,
 * chain_report.c maps verdicts onto records, chain_member.c handles
 * stand-alone member records); callers use chain.h. */
#ifndef PUB_CHAIN_INT_H
#define PUB_CHAIN_INT_H

#include "chain.h"

#define PCV_HEAD_PREFIX "_vpnrr."
#define PCV_MEMBER_INFIX ".m._vpnrr."

/* One member that authorizes a site record: a verified page entry or a
 * stand-alone member record of a zone without a head in the input. */
struct pcv_auth {
	const struct rr_record *m;
	char zone[RR_MAX_NAME + 1];
	char chain[512];
};

/* One check of an input. */
struct pcv_ctx {
	const struct pub_rrset *s;
	const struct pub_chain_opts *o;
	struct pub_report *rep;
	struct pcv_auth *auth;
	size_t nauth;
	struct rrchain_membership *ms; /* verified memberships, kept for auth */
	size_t nms;
};

/* The rules a record at a name is under: a head's (MEMBER NULL) or the
 * site record's of MEMBER. */
struct pcv_rule {
	const struct rrchain_policy *pol;
	const struct rr_record *member;
};

/* ---- gathering (chain_gather.c) ------------------------------------------ */

struct rrchain_rdata pcv_rdata_of(const struct pub_rr *rr);
/* Decodes every vpnrr record of S into REP->v (other TXT is skipped). */
int pcv_decode_all(const struct pub_rrset *s, struct pub_report *rep,
		   struct pub_err *e);
/* The RRset at OWNER as the rules take it; *N entries, NULL when out of
 * memory. */
struct rrchain_rdata *pcv_rrset_at(const struct pub_rrset *s,
				   const char *owner, size_t *n);
/* The zone of a head's or member record's owner name, or NULL. */
const char *pcv_head_zone(const char *owner);
const char *pcv_member_zone(const char *owner);

/* ---- reporting (chain_report.c) ------------------------------------------ */

void pcv_bad(struct pub_vrec *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pcv_warn(struct pub_vrec *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pcv_global(struct pub_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Adds one object and the rules' verdict on it to the report. */
int pcv_object(struct pcv_ctx *c, enum pub_obj_kind kind, const char *name,
	       enum rrchain_reason verdict, const char *why,
	       const char *warning);
/* Warns when V expires within the configured time. */
void pcv_soon(struct pcv_ctx *c, struct pub_vrec *v);
bool pcv_same_content(const struct pub_vrec *v,
		      const uint8_t content[RR_HASH_LEN]);
/* The records at OWNER under one verdict: on a rejection all of them
 * break it; else the chosen one (CONTENT) is valid with CHAIN, and each
 * other one either breaks a rule on its own or is older (RU, may be
 * NULL: no rule for one record alone). */
void pcv_mark_owner(struct pcv_ctx *c, const char *owner,
		    enum rrchain_reason r, const char *why,
		    const uint8_t *content, const char *chain,
		    const struct pcv_rule *ru);
/* A verdict against the chain below a record already valid (a head
 * whose page or membership fails). */
void pcv_bad_owner(struct pcv_ctx *c, const char *owner,
		   enum rrchain_reason r, const char *why);
/* The entries of a verified page: each under its member's verdict
 * (set after the members are checked). */
void pcv_page_entries(struct pcv_ctx *c, const char *owner,
		      const struct rrchain_page *pg, const char *chain);
/* Sets each record's status and the report's counts. */
void pcv_finish(struct pub_report *rep);

/* ---- anchor statements (chain_anchor.c) --------------------------------- */

/* Every anchor statement of the input, RRset by RRset. */
int pcv_check_anchors(struct pcv_ctx *c);

/* ---- members (chain_member.c) -------------------------------------------- */

int pcv_add_auth(struct pcv_ctx *c, const struct rr_record *m,
		 const char *zone, const char *chain);
/* The authorization of SITE in VPN (in ZONE unless NULL), or NULL. */
const struct pcv_auth *pcv_find_auth(const struct pcv_ctx *c, const char *vpn,
				     const char *site, const char *zone);
/* A stand-alone (signed) member record. */
int pcv_check_member(struct pcv_ctx *c, struct pub_vrec *m);
/* A page entry no verified head reached. */
void pcv_loose_entry(struct pcv_ctx *c, struct pub_vrec *m);

#endif
