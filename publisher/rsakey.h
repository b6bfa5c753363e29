/* rsakey.h - secnet rsa1 keys: generation, and the SSH-1 private key
 * file ("SSH PRIVATE KEY FILE FORMAT 1.1", unencrypted) that secnet's
 * rsa-private() reads. */
#ifndef PUB_RSAKEY_H
#define PUB_RSAKEY_H

#include "util.h"

/* Modulus sizes keygen makes.  1024 is vpnrr-fetch's default
 * secnet-min-rsa-bits; above 4096 the key text nears the 2048-byte buffer
 * secnet decodes peer-keys data into, and signing gets slow. */
#define PUB_RSA1_MIN_BITS 1024
#define PUB_RSA1_MAX_BITS 4096
#define PUB_RSA1_DEFAULT_BITS 2048

/* The public half as sites files write it: "BITS E N" in decimal. */
struct pub_rsa1_pub {
	unsigned bits;
	char *e, *n; /* decimal; free with pub_rsa1_pub_free */
};

/* Makes an RSA key of BITS bits (even, PUB_RSA1_MIN_BITS to
 * PUB_RSA1_MAX_BITS; e = 65537) from libsodium's random bytes, writes it
 * to the new file PATH (mode 0600; an existing PATH is refused) with
 * COMMENT, and returns its public half. */
int pub_rsa1_keygen(const char *path, unsigned bits, const char *comment,
		    struct pub_rsa1_pub *pub, struct pub_err *e);
/* Reads the public half back from an SSH-1 private key file (refused when
 * group or others may access it). */
int pub_rsa1_load_public(const char *path, struct pub_rsa1_pub *pub,
			 struct pub_err *e);
void pub_rsa1_pub_free(struct pub_rsa1_pub *pub);

#endif
