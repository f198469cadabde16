/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KV version 2 secrets engine, served exactly as Vault and OpenBao serve
 * it so that unmodified clients (node-vault, hashi-vault-js, the vault CLI)
 * work: versioned secrets with check-and-set, soft delete, undelete, destroy,
 * per-secret metadata, JSON merge patch, subkeys and one-level listing.
 *
 * Routes below the mount (req->rel):
 *   config                      GET, POST/PUT
 *   data/<path>                 GET (?version=N), POST/PUT, PATCH, DELETE
 *   delete/<path>               POST/PUT {"versions":[..]}
 *   undelete/<path>             POST/PUT {"versions":[..]}
 *   destroy/<path>              POST/PUT {"versions":[..]}
 *   metadata/<path>             GET, POST/PUT, PATCH, DELETE
 *   metadata[/<path>][/]        LIST (?after=, ?limit=)
 *   subkeys/<path>              GET (?version=N, ?depth=N)
 *
 * Storage (all under req->mount->storage_prefix, owned by this module):
 *   config                      engine configuration (JSON)
 *   meta/<path>                 metadata record of one secret (JSON): current
 *                               and oldest version, max_versions, cas_required,
 *                               delete_version_after, custom_metadata, times
 *                               and the map of live version records
 *   ver/<path>/<%016 version>   {"data": {...}} of one version
 * Every mutation is one transaction; its sequence number goes to
 * resp->store_seq, and the caller must writ_store_sync it before replying.
 *
 * "Not found" in Vault's shape: a path that was never written (or a version
 * that does not exist, or an empty LIST) is answered with status 404, rc
 * WRIT_ENOTFOUND, msg "" and resp->raw = {"errors": []}, so the body is the
 * empty error list Vault sends and the generic {"errors": [msg]} is never
 * built.  A soft-deleted or destroyed version is answered with status 404,
 * rc WRIT_ENOTFOUND, msg "" and resp->data = {"data": null, "metadata": {..}};
 * the pipeline must keep data in that error response (as Vault does).
 */
#ifndef WRIT_KV_H
#define WRIT_KV_H

#include "writ/base.h"
#include "writ/req.h"

#define WRIT_KV_PATH_MAX         512    /* bytes in a secret path */
#define WRIT_KV_CM_MAX_KEYS      64     /* custom_metadata keys (Vault's limit) */
#define WRIT_KV_CM_KEY_MAX       128    /* bytes in a custom_metadata key */
#define WRIT_KV_CM_VALUE_MAX     512    /* bytes in a custom_metadata value */
#define WRIT_KV_DEFAULT_VERSIONS 10     /* max_versions when neither mount nor secret sets it */
#define WRIT_KV_MAX_VERSIONS     100000 /* largest max_versions accepted (bounds meta records) */
#define WRIT_KV_LIST_MAX         100000 /* keys returned by one LIST at most */

/*
 * Serve one KV v2 request.  The pipeline has already authenticated the
 * caller, checked the ACL on req->path and parsed the body and query.
 *
 * req (in, borrowed): op, rel (path below the mount), mount (storage_prefix),
 *   core (store), body (JSON object), query (JSON object of strings), arena.
 * resp (out): filled as described above and in struct writ_resp; data, raw
 *   and warnings become owned by the caller.  On success of a mutation,
 *   store_seq holds the batch to make durable.
 *
 * Returns resp->rc: WRIT_OK; WRIT_EINVAL / WRIT_ECONFLICT (400: bad path or
 * parameter, check-and-set failure); WRIT_ENOTFOUND (404); WRIT_EUNSUPPORTED
 * (405: operation not served on that path); WRIT_ESEALED (503); WRIT_ENOMEM,
 * WRIT_EDB, WRIT_ECRYPTO, WRIT_EINTERNAL (500, generic message, detail logged).
 * A failed mutation changes nothing in the store.
 *
 * Thread safety: any number of requests may run at once; mutations are
 * serialised by the store's transaction lock.
 * CT: secret values are never compared or logged; serialised copies are held
 * in wiping buffers and stored plaintext read back is wiped after parsing.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_kv_handle(struct writ_req *req, struct writ_resp *resp);

#endif /* WRIT_KV_H */
