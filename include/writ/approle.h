/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AppRole auth method (Vault's "approle"): roles with a role_id and
 * secret_ids, and the login that exchanges both for a token.
 *
 * Storage lives under the mount's storage_prefix ("auth/<uuid>/"):
 *   role/<name>                   the role (JSON, holds its HMAC key)
 *   role_id/<sha256 hex(role_id)> {"name": role}
 *   secret_id/<role>/<hmac hex>   one secret_id (HMAC-SHA256 under the role key)
 *   accessor/<accessor>           {"role", "hmac"} index of secret_id accessors
 * Secret IDs are never stored, only their keyed hash.
 *
 * Thread safety: the handler may run on any thread; the store's transactions
 * serialise writers.
 */
#ifndef WRIT_APPROLE_H
#define WRIT_APPROLE_H

#include "writ/base.h"
#include "writ/req.h"

/*
 * The AppRole backend's handler.  req->mount must be set (storage prefix and
 * login path); req->rel is the path below the mount ("login",
 * "role/<name>/secret-id", ...).  "login" runs unauthenticated (req->token
 * NULL) and reads req->remote_addr for CIDR bindings.  Durable writes leave
 * their batch in resp->store_seq.
 * CT: secret_ids are compared by keyed hash with writ_ct_eq; wrong role_id and
 * wrong secret_id give the same error.
 */
WRIT_API writ_rc writ_approle_handle(struct writ_req *req, struct writ_resp *resp);

#endif /* WRIT_APPROLE_H */
