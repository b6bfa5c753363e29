/*
 * secnet_rules.h - secnet's own rules for the values of one site record.
 *
 * A site record is signed by its owner, so a hostile owner can publish
 * values that our grammar takes but that make secnet refuse its whole
 * configuration or exit on every node (renegotiate-time above
 * key-lifetime, a composite DH modulus, an rsa1 key too small for
 * secnet's signature padding).  Each value the secnet and peer-keys
 * outputs hand to secnet is checked here against what secnet accepts,
 * plus sane minimums, so that a site can only hurt itself.  The rules are
 * listed, with their reasons, in rr-format/SPEC.md.
 *
 * Pure and thread-safe (it runs on libuv's thread pool): the only shared
 * state is a small mutex-protected cache of DH primality verdicts, keyed
 * by the SHA-256 of the modulus, so that many sites sharing one group
 * cost one primality test.
 */
#ifndef VPNRR_FETCH_SECNET_RULES_H
#define VPNRR_FETCH_SECNET_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "rr.h"

/* DH modulus size limits in bits: below 1024 the group is broken (and
 * secnet's buffers sized from it degenerate); above 8200 the secnet
 * output does not pass the value on (make-secnet-sites' limit). */
#define FETCH_SECNET_DH_MIN_BITS 1024
#define FETCH_SECNET_DH_MAX_BITS 8200

enum fetch_secnet_verdict {
	FETCH_SECNET_OK = 0,
	FETCH_SECNET_BAD,   /* a rule is broken: ERR says which and why */
	FETCH_SECNET_NOMEM,
};

/*
 * Checks every value of site record R that secnet would be given: rsa1
 * keys (modulus of at least MIN_RSA_BITS), dh, hash, the timers, the
 * endpoints, networks and ptp.  SITE ("vpn/location/site") names the
 * site in ERR, which gets "site SITE: FIELD: reason" for the first rule
 * broken.
 */
enum fetch_secnet_verdict fetch_secnet_rules_check(const char *site,
						   const struct rr_record *r,
						   unsigned min_rsa_bits,
						   char *err, size_t errlen);

/* Primality tests run so far, in this process (cache misses). */
uint64_t fetch_secnet_rules_prime_tests(void);

#endif
