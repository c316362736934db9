/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels stratos.ko builds for (6.12 and 7.x),
 * kept in one place.
 */
#ifndef _STRATOS_COMPAT_H
#define _STRATOS_COMPAT_H

#include <linux/slab.h>

/* The typed allocation helpers arrived in 7.0. */
#ifndef kzalloc_obj
#define kzalloc_obj(P, GFP) kzalloc(sizeof(P), GFP)
#endif

#endif /* _STRATOS_COMPAT_H */
