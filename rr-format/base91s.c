/* base91s.c - placeholder replaced by the real implementation. */
#include "rr.h"
