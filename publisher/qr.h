/* qr.h - a QR code on a terminal, for a phone to carry an enrolment
 * request from the site to the admin. */
#ifndef PUB_QR_H
#define PUB_QR_H

#include <stdio.h>

#include "util.h"

/* TEXT as a QR code (8-bit mode, error correction level L, the smallest
 * version it fits) drawn with Unicode half blocks, two modules rows per
 * line, black on white (ANSI colours, so that it reads on dark and light
 * terminals alike) inside a 2-module quiet zone. */
int pub_qr_print(FILE *f, const char *text, struct pub_err *e);

#endif
