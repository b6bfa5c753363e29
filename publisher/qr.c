/* qr.c - QR codes drawn with half blocks (libqrencode makes the code). */
#include <errno.h>
#include <string.h>

#include <qrencode.h>

#include "qr.h"

#define QUIET 2

/* Module (X, Y) of Q, light outside the symbol (the quiet zone). */
static bool dark(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return false;
	return q->data[y * q->width + x] & 1;
}

int pub_qr_print(FILE *f, const char *text, struct pub_err *e)
{
	/* Indexed by upper | lower << 1. */
	static const char *const cells[4] = { " ", "\u2580", "\u2584",
					      "\u2588" };
	QRcode *q;

	errno = 0;
	q = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_L);
	if (!q)
		return pub_errf(e, errno == ERANGE ? PUB_EXIT_INVALID
						   : PUB_EXIT_INTERNAL,
				NULL, 0, "qr", "%s", errno == ERANGE
				? "the request is too long for a QR code"
				: "libqrencode failed");
	for (int y = -QUIET; y < q->width + QUIET; y += 2) {
		fputs("\033[30;47m", f);
		for (int x = -QUIET; x < q->width + QUIET; x++)
			fputs(cells[dark(q, x, y) | dark(q, x, y + 1) << 1], f);
		fputs("\033[0m\n", f);
	}
	QRcode_free(q);
	return ferror(f) ? pub_errf(e, PUB_EXIT_IO, "standard output", 0,
				    "write", "failed") : 0;
}
