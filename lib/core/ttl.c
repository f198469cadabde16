/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TTL arithmetic shared by every backend that issues something that expires:
 * a requested TTL is clamped by the mount's maximum, then the system's.
 */
#include "writ/core.h"

int64_t
writ_core_ttl(const struct writ_core *core, const struct writ_mount *m, int64_t requested)
{
	int64_t def = core->default_lease_ttl, max = core->max_lease_ttl;

	if (m != NULL && m->default_lease_ttl > 0)
		def = m->default_lease_ttl;
	if (m != NULL && m->max_lease_ttl > 0 && m->max_lease_ttl < max)
		max = m->max_lease_ttl;
	if (requested <= 0)
		requested = def;
	if (max > 0 && requested > max)
		requested = max;
	return requested;
}
