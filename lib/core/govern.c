/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Governing policies on writ's own API (issue 4): after the ACL allowed a
 * request, an operator's policy may still refuse it, with reasons, from what
 * the ACL cannot see: the time, the caller's delegation depth, its metadata,
 * the request's data ("no secret reads outside working hours", "no token
 * creation by an agent more than two delegations deep").  The core builds the
 * input; the server evaluates it (writ_core_set_governor).  A policy that
 * cannot answer refuses the request: fail closed.
 */
#include <string.h>

#include "writ/token.h"

#include "core_int.h"

void
writ_core_set_governor(struct writ_core *core, writ_core_govern_fn fn, void *arg)
{
	core->priv->govern = fn;
	core->priv->govern_arg = arg;
}

/* {"request": ..., "token": ..., "identity": ...} for req. */
static json_t *
govern_input(struct writ_core *core, struct writ_req *req, const char *spiffe_id, unsigned depth)
{
	const struct writ_token *t = req->token;
	json_t *pols = json_array(), *in;
	char now[48];
	int64_t sec;
	long nsec;
	size_t i;

	writ_time_now_ns(&sec, &nsec);
	writ_time_rfc3339(now, sizeof(now), sec, nsec);
	for (i = 0; pols != NULL && i < t->npolicies; i++)
		json_array_append_new(pols, json_string(t->policies[i]));
	in = json_pack("{s:{s:s?, s:s, s:s, s:s?, s:s?, s:s?, s:O, s:s, s:I},"
		       " s:{s:s?, s:o, s:O, s:s?, s:s?, s:s?, s:I, s:I, s:I, s:b, s:b, s:b, s:I},"
		       " s:{s:s?, s:s?}}",
	    "request", "id", req->id, "operation", core_op_name(req->op), "path", req->path,
	    "mount_point", req->mount != NULL ? req->mount->path : NULL, "mount_type",
	    req->mount != NULL ? req->mount->type : NULL, "remote_address", req->remote_addr,
	    "data", req->body != NULL ? req->body : json_null(), "time", now, "time_ns",
	    (json_int_t)sec * 1000000000 + nsec, "token", "display_name", t->display_name,
	    "policies", pols != NULL ? pols : json_array(), "metadata",
	    t->meta != NULL ? t->meta : json_object(), "entity_id", t->entity_id, "path", t->path,
	    "role", t->role, "creation_time", (json_int_t)t->creation_time, "expire_time",
	    (json_int_t)t->expire_time, "num_uses", (json_int_t)t->num_uses, "orphan", t->orphan,
	    "root", t->root, "batch", t->batch, "delegation_depth", (json_int_t)depth,
	    "identity", "spiffe_id", spiffe_id, "remote_address", req->remote_addr);
	(void)core;
	return in;
}

/* The reasons (strings of a JSON array) joined with "; " into out. */
static void
join_reasons(const json_t *reasons, char *out, size_t len)
{
	size_t i, n = 0;
	json_t *r;

	out[0] = '\0';
	json_array_foreach(reasons, i, r) {
		const char *s = json_is_string(r) ? json_string_value(r) : "(not a string)";
		int w = snprintf(out + n, len - n, "%s%s", n > 0 ? "; " : "", s);

		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
}

writ_rc
core_govern(struct writ_core *core, struct writ_req *req, const char *spiffe_id,
    struct writ_resp *resp)
{
	struct writ_core_priv *cp = core->priv;
	struct writ_err err = {0};
	struct writ_buf text, reasons;
	json_t *in = NULL, *r = NULL;
	unsigned depth = 0;
	char why[200];
	writ_rc rc;

	if (cp->govern == NULL || req->token == NULL)
		return WRIT_OK;
	writ_buf_init(&text, 0);
	writ_buf_init(&reasons, 0);
	if ((rc = writ_token_depth(core, req->arena, req->token, &depth, &err)) != WRIT_OK ||
	    (in = govern_input(core, req, spiffe_id, depth)) == NULL ||
	    (rc = writ_json_append(&text, in)) != WRIT_OK ||
	    (rc = cp->govern(cp->govern_arg, text.ptr, text.len, &reasons, &err)) != WRIT_OK) {
		writ_log(WRIT_LOG_ERROR, "governing policy: %s",
		    err.msg[0] ? err.msg : writ_rc_name(rc != WRIT_OK ? rc : WRIT_ENOMEM));
		rc = writ_resp_err(resp, WRIT_EDENIED, 403, "%s",
		    "permission denied: the governing policy could not decide");
		goto out;
	}
	if (reasons.len == 0)
		goto out; /* allowed */
	if ((r = json_loadb(reasons.ptr, reasons.len, 0, NULL)) == NULL || !json_is_array(r)) {
		rc = writ_resp_err(resp, WRIT_EDENIED, 403, "%s",
		    "permission denied: the governing policy could not decide");
		goto out;
	}
	if (json_array_size(r) == 0)
		goto out;
	join_reasons(r, why, sizeof(why));
	rc = writ_resp_err(resp, WRIT_EDENIED, 403, "permission denied: %s", why);
out:
	json_decref(r);
	json_decref(in);
	writ_buf_free(&text);
	writ_buf_free(&reasons);
	return rc;
}
