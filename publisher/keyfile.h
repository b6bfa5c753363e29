/* keyfile.h - private key files (Ed25519 record keys, X25519 transport
 * keys) and trust-anchor arguments. */
#ifndef PUB_KEYFILE_H
#define PUB_KEYFILE_H

#include <stddef.h>

#include "rr.h"
#include "util.h"

/* Refuses a private key file that group or others may access. */
int pub_private_mode_check(const char *path, struct pub_err *e);
/* Loads an "ed25519-secret:BASE64" key file, refusing files that group or
 * others may read or write. */
int pub_seckey_load(const char *path, struct rr_seckey *out,
		    struct pub_err *e);
/* Writes TEXT plus a newline as a new private key file (mode 0600);
 * refuses to overwrite. */
int pub_secret_save(const char *path, const char *text, struct pub_err *e);
/* Generates an Ed25519 key into PATH and returns its public half. */
int pub_ed25519_keygen(const char *path, struct rr_pubkey *pub,
		       struct pub_err *e);
/* Generates an X25519 key (WireGuard text form) into PATH; PUB receives
 * the base64 public key. */
int pub_x25519_keygen(const char *path, char pub[64], struct pub_err *e);
/* Public key of an existing X25519 private key file. */
int pub_x25519_public(const char *path, char pub[64], struct pub_err *e);

/* ARG is "ed25519:BASE64" or a file of such lines ('#' comments).
 * Appends to KEYS (at most MAX). */
int pub_anchor_load(const char *arg, struct rr_pubkey *keys, size_t *n,
		    size_t max, struct pub_err *e);

#endif
