/* tkeys.h - a site's transport key set as secnet knows it: key-set
 * serial, key groups (pkg / pkgf) and keys (rsa1 "pubkey BITS E N",
 * "pub ALG BASE91S", "key ALG BASE64" e.g. WireGuard x25519), read from
 * description lines or from a secnet peer-keys file. */
#ifndef PUB_TKEYS_H
#define PUB_TKEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lines.h"
#include "rr.h"

struct pub_tkey {
	uint32_t group;
	bool fallback;
	char alg[RR_MAX_ALG + 1];
	uint8_t *data;
	size_t len;
};

struct pub_tkeys {
	bool has_serial;
	uint32_t serial;
	uint32_t group;   /* current group for the next key */
	bool fallback;
	struct pub_tkey k[RR_MAX_KEYS];
	size_t n;
};

/* Handles one line if its keyword is serial, pkg, pkgf, pubkey, pub or
 * key: returns 1 when handled, 0 when the keyword is something else, -1
 * on error ("FILE:LINE: KEYWORD: WHY"). */
int pub_tkeys_line(struct pub_tkeys *ks, const struct pub_lines *f,
		   const struct pub_line *l, struct pub_err *e);
/* Reads a secnet peer-keys file (serial / pkg / pkgf / pub lines). */
int pub_tkeys_peerkeys(struct pub_tkeys *ks, const char *path,
		       struct pub_err *e);
/* The keys= value: "[~]GROUP:ALG:BASE64,..." (new string). */
char *pub_tkeys_value(const struct pub_tkeys *ks);
/* Parses 8 hex digits (either case). */
bool pub_hex32_parse(const char *s, uint32_t *out);
void pub_tkeys_free(struct pub_tkeys *ks);

#endif
