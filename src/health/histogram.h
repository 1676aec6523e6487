/* The latency histogram lives in util/ (the catalog's rollups store it too); this header keeps
 * the health modules' include working. */
#ifndef MM_HEALTH_HISTOGRAM_H
#define MM_HEALTH_HISTOGRAM_H

#include "util/histogram.h"

#endif
