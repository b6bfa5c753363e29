/* chain.h - the auditor's view of a set of RRs: decode every vpnrr
 * record, gather the RRsets of each VPN zone found (head, pages, site
 * records) and take the verdicts of the chain rules a fetcher applies
 * (rrchain.h, the same library), then report them per object and per
 * record, warning about records that expire soon.  Stand-alone member
 * records are checked against the anchors and their page entries. */
#ifndef PUB_CHAIN_H
#define PUB_CHAIN_H

#include "rrchain.h"
#include "rrset.h"

#define PUB_VMSGS 6
#define PUB_VMSGLEN 400

enum pub_vstatus { PUB_V_UNCHECKED, PUB_V_VALID, PUB_V_INVALID };

struct pub_vrec {
	const struct pub_rr *rr;
	bool parsed;
	struct rr_record r;
	enum pub_vstatus status;
	bool signed_ok;          /* signature (or page hash) checked */
	bool in_page;            /* an entry of a checked page */
	bool decided;            /* a chain verdict covers it */
	char chain[512];
	char err[PUB_VMSGS][PUB_VMSGLEN];
	size_t nerr;
	char warn[PUB_VMSGS][PUB_VMSGLEN];
	size_t nwarn;
};

struct pub_chain_opts {
	const struct rr_pubkey *anchors;
	size_t nanchors;
	uint64_t now;
	uint64_t warn_within;   /* warn when a record expires this soon */
	const char *zone;       /* the VPN zone, when known */
	bool partial;           /* input may lack pages / members (dig) */
	bool fetched;           /* the input was fetched following the chain */
	bool membership_only;   /* pub_chain_names: the head and its pages,
				 * not the member and site records */
};

/* One object of the chain and the rules' verdict on it: what a fetcher
 * given the same records decides (its JSON report names them alike). */
enum pub_obj_kind { PUB_OBJ_HEAD, PUB_OBJ_PAGE, PUB_OBJ_MEMBERSHIP,
		    PUB_OBJ_MEMBER, PUB_OBJ_SITE, PUB_OBJ_ANCHOR };
struct pub_object {
	enum pub_obj_kind kind;
	char name[RR_MAX_NAME + 1]; /* owner name; a site name for members
				     * and sites */
	enum rrchain_reason verdict;
	char why[PUB_VMSGLEN];
	char warning[PUB_VMSGLEN];
};
const char *pub_obj_kind_name(enum pub_obj_kind k);

struct pub_report {
	struct pub_object *obj;
	size_t nobj;
	struct pub_vrec *v;
	size_t n;
	char err[PUB_VMSGS][PUB_VMSGLEN]; /* not tied to one record */
	size_t nerr;
	size_t nvalid, ninvalid;
};

int pub_chain_check(const struct pub_rrset *s, const struct pub_chain_opts *o,
		    struct pub_report *rep, struct pub_err *e);
void pub_report_free(struct pub_report *rep);
/* Names the records in S point at (pages, member records, site records)
 * that S does not hold yet; for fetching the chain from a server. */
int pub_chain_names(const struct pub_rrset *s, const struct pub_chain_opts *o,
		    char ***names, size_t *n, struct pub_err *e);
void pub_names_free(char **names, size_t n);

/* ---- one site record against its membership (chain_verdict.c) ---------- */

/* What an auditor holding one site record learns from the rules' report
 * over that record and the membership of ZONE: the node's decision. */
enum pub_verdict {
	PUB_VERDICT_VALID,          /* every link holds */
	PUB_VERDICT_INVALID,        /* a link breaks a rule (the reason says) */
	PUB_VERDICT_REVOKED,        /* the head holds, but the membership has no
				     * entry for the site, or no longer lists
				     * the key that signed the record */
	PUB_VERDICT_UNKNOWN_ANCHOR, /* the head is not signed by an anchor */
};
/* Exit statuses of "verify" for a site record (vpnrr.1). */
#define PUB_EXIT_REVOKED 5
#define PUB_EXIT_UNKNOWN_ANCHOR 6

struct pub_site_verdict {
	enum pub_verdict verdict;
	char site[RR_MAX_NAME + 1];  /* LOCATION/SITE */
	char vpn[RR_MAX_NAME + 1];
	char owner[RR_MAX_NAME + 1]; /* where the record was published */
	char chain[512];             /* for a valid record */
	char reason[2 * PUB_VMSGLEN];  /* a warning for a valid record */
	const char *hint;              /* what to do about it, or NULL */
};

/* The site record of the input: *SITE is its owner's only site record
 * (TXT and binary forms may both be there), checked before anything is
 * fetched.  Returns 0, or -1 with E set (PUB_EXIT_USAGE) when the input
 * holds no site record, records of several sites, or other kinds. */
int pub_site_of_input(const struct pub_report *rep, struct pub_site_verdict *sv,
		      struct pub_err *e);
/* The verdict on SV's site record in REP, a report over that record and
 * the membership published at _vpnrr.ZONE. */
void pub_site_verdict(const struct pub_report *rep, const char *zone,
		      struct pub_site_verdict *sv);
const char *pub_verdict_name(enum pub_verdict v); /* "VALID", ... */
int pub_verdict_exit(enum pub_verdict v);

#endif
