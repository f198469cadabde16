/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request pipeline: HTTP-independent input -> limits and parsing ->
 * sealed check -> route to a mount -> authenticate -> authorise (ACL
 * capabilities, sudo paths) -> audit the request (fail closed) -> handler ->
 * audit the response -> make writes durable (group commit of store and audit)
 * -> the Vault JSON envelope.
 *
 * Everything temporary lives in one arena per request.
 */
#include <stdio.h>
#include <string.h>

#include "writ/store.h"
#include "writ/token.h"

#include "core_int.h"

#define MAX_QUERY_PARAMS 64

static const struct writ_mount sys_mount_sealed = {
	.path = "sys/",
	.type = "system",
	.uuid = "system",
	.accessor = "system",
	.handle = core_sys_handle,
};

struct pipe {
	struct writ_core *core;
	const struct writ_core_in *in;
	struct writ_req req;
	struct writ_resp resp;
	uint64_t audit_req_seq[CORE_MAX_DEVICES];
	uint64_t audit_resp_seq[CORE_MAX_DEVICES];
	struct core_audit_frag audit_frags[CORE_MAX_DEVICES];
	bool audited;
	bool last_use;
	bool defer_sync;
	struct writ_core_ticket ticket;
};

/* ---------------------------------------------------------------------------
 * Input.
 */

static bool
method_to_op(const char *m, bool list_query, enum writ_op *op)
{
	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
		*op = list_query ? WRIT_OP_LIST : WRIT_OP_READ;
	else if (strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0)
		*op = WRIT_OP_UPDATE;
	else if (strcmp(m, "PATCH") == 0)
		*op = WRIT_OP_PATCH;
	else if (strcmp(m, "DELETE") == 0)
		*op = WRIT_OP_DELETE;
	else if (strcmp(m, "LIST") == 0)
		*op = WRIT_OP_LIST;
	else
		return false;
	return true;
}

/* Percent-decode s[len] into the arena ('+' is a space in queries). */
static char *
pct_decode(struct writ_arena *a, const char *s, size_t len)
{
	char *out = writ_arena_alloc(a, len + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && writ_hex_digit(s[i + 1]) >= 0 &&
		    writ_hex_digit(s[i + 2]) >= 0) {
			*o++ = (char)(writ_hex_digit(s[i + 1]) * 16 + writ_hex_digit(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i] == '+' ? ' ' : s[i];
		}
	}
	*o = '\0';
	return out;
}

static writ_rc
parse_query(struct pipe *p, const char *q)
{
	json_t *obj = json_object();
	size_t n = 0;

	if (obj == NULL)
		return WRIT_ENOMEM;
	p->req.query = obj;
	while (q != NULL && *q != '\0') {
		const char *amp = strchr(q, '&'), *eq;
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		char *k, *v;

		if (++n > MAX_QUERY_PARAMS)
			return WRIT_ELIMIT;
		eq = memchr(q, '=', len);
		k = pct_decode(p->req.arena, q, eq ? (size_t)(eq - q) : len);
		v = eq ? pct_decode(p->req.arena, eq + 1, len - (size_t)(eq - q) - 1)
		       : writ_arena_strdup(p->req.arena, "");
		if (k == NULL || v == NULL)
			return WRIT_ENOMEM;
		if (k[0] != '\0')
			json_object_set_new(obj, k, json_string(v));
		q += len + (amp != NULL);
	}
	return WRIT_OK;
}

/*
 * Check nesting depth and string lengths before jansson sees the text, so a
 * hostile body is refused early with a precise error.
 */
static writ_rc
json_prescan(const char *s, size_t len, const struct writ_core_limits *lim, const char **why)
{
	size_t i, depth = 0, strstart = 0;
	bool in_str = false;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\') {
				i++;
			} else if (c == '"') {
				in_str = false;
				if (i - strstart > lim->max_string_bytes) {
					*why = "JSON string too long";
					return WRIT_ELIMIT;
				}
			}
			continue;
		}
		if (c == '"') {
			in_str = true;
			strstart = i;
		} else if (c == '{' || c == '[') {
			if (++depth > lim->max_json_depth) {
				*why = "JSON nesting too deep";
				return WRIT_ELIMIT;
			}
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return WRIT_OK;
}

static writ_rc
parse_body(struct pipe *p)
{
	const struct writ_core_in *in = p->in;
	const char *why = NULL;
	json_error_t jerr;
	writ_rc rc;

	if (in->bodylen == 0) {
		p->req.body = json_object();
		return p->req.body ? WRIT_OK : WRIT_ENOMEM;
	}
	if (in->bodylen > p->core->limits.max_request_bytes)
		return writ_resp_err(&p->resp, WRIT_ETOOBIG, 413, "%s", "request body too large");
	rc = json_prescan(in->body, in->bodylen, &p->core->limits, &why);
	if (rc != WRIT_OK)
		return writ_resp_err(&p->resp, rc, 400, "%s", why);
	p->req.body = json_loadb(in->body, in->bodylen, JSON_REJECT_DUPLICATES, &jerr);
	if (p->req.body == NULL)
		return writ_resp_err(&p->resp, WRIT_EPARSE, 400, "failed to parse JSON input: %s",
		    jerr.text);
	if (!json_is_object(p->req.body))
		return writ_resp_err(&p->resp, WRIT_EPARSE, 400, "%s",
		    "failed to parse JSON input: the body must be a JSON object");
	return WRIT_OK;
}

static bool
path_ok(const char *path)
{
	const char *s = path;

	if (*s == '\0' || *s == '/')
		return false;
	while (*s) {
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (len == 0 && e != NULL && e[1] != '\0')
			return false; /* "a//b" */
		s += len + (e != NULL);
	}
	return true;
}

static writ_rc
setup(struct pipe *p)
{
	const struct writ_core_in *in = p->in;
	bool list = false;
	const char *lq;
	char *path;
	writ_rc rc;

	if (strncmp(in->path, "/v1/", 4) != 0)
		return writ_resp_err(&p->resp, WRIT_ENOTFOUND, 404, "%s", "unsupported path");
	path = writ_arena_strdup(p->req.arena, in->path + 4);
	if (path == NULL)
		return writ_resp_err(&p->resp, WRIT_ENOMEM, 500, "%s", "out of memory");
	if (!path_ok(path))
		return writ_resp_err(&p->resp, WRIT_EINVAL, 400, "%s", "invalid request path");
	p->req.path = path;
	if ((rc = parse_query(p, in->query)) != WRIT_OK)
		return writ_resp_err(&p->resp, rc, 400, "%s", "invalid query string");
	lq = writ_req_query(&p->req, "list");
	if (lq != NULL && (strcmp(lq, "true") == 0 || strcmp(lq, "1") == 0))
		list = true;
	if (!method_to_op(in->method, list, &p->req.op))
		return writ_resp_err(&p->resp, WRIT_EUNSUPPORTED, 405, "%s", "unsupported method");
	if ((rc = parse_body(p)) != WRIT_OK)
		return rc;
	p->req.client_token = in->token;
	p->req.remote_addr = in->remote_addr;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Routing and authorisation.
 */

static writ_rc
route(struct pipe *p)
{
	struct writ_seal_status st;
	const struct writ_mount *m;
	size_t mlen;

	writ_store_seal_status(p->core->store, &st);
	if (st.sealed || !p->core->priv->ready) {
		if (!core_path_allowed_sealed(p->req.path))
			return writ_resp_err(&p->resp, WRIT_ESEALED, 503, "%s", "writ is sealed");
		m = &sys_mount_sealed;
	} else if ((m = writ_core_mount_for(p->core, p->req.path)) == NULL) {
		return writ_resp_err(&p->resp, WRIT_ENOTFOUND, 404, "no handler for route \"%s\"",
		    p->req.path);
	}
	p->req.mount = m;
	mlen = strlen(m->path);
	p->req.rel = strlen(p->req.path) >= mlen ? p->req.path + mlen : "";
	return WRIT_OK;
}

static unsigned
op_cap(enum writ_op op)
{
	switch (op) {
	case WRIT_OP_READ:
		return WRIT_CAP_READ;
	case WRIT_OP_CREATE:
		return WRIT_CAP_CREATE;
	case WRIT_OP_UPDATE:
		return WRIT_CAP_UPDATE;
	case WRIT_OP_PATCH:
		return WRIT_CAP_PATCH;
	case WRIT_OP_DELETE:
		return WRIT_CAP_DELETE;
	case WRIT_OP_LIST:
		return WRIT_CAP_LIST;
	}
	return 0;
}

static writ_rc
authorise(struct pipe *p)
{
	struct writ_err err = {0};
	unsigned caps = 0, need;
	writ_rc rc;

	if (core_path_unauthenticated(p->req.path)) {
		p->req.caps = WRIT_CAP_ROOT;
		return WRIT_OK;
	}
	if (p->in->token == NULL || p->in->token[0] == '\0')
		return writ_resp_err(&p->resp, WRIT_EDENIED, 403, "%s", "permission denied");
	rc = writ_token_authenticate(p->core, p->req.arena, p->in->token, p->in->remote_addr,
	    &p->req.token, &p->last_use, &err);
	if (rc == WRIT_ENOMEM || rc == WRIT_EDB || rc == WRIT_EIO || rc == WRIT_ECRYPTO) {
		writ_log(WRIT_LOG_ERROR, "authenticate: %s", err.msg);
		return writ_resp_err(&p->resp, rc, 500, "%s", "internal error");
	}
	if (rc != WRIT_OK)
		return writ_resp_err(&p->resp, WRIT_EDENIED, 403, "%s", "permission denied");
	rc = writ_core_capabilities(p->core, p->req.token->policies, p->req.token->npolicies,
	    p->req.path, &caps, &err);
	if (rc != WRIT_OK)
		return writ_resp_err(&p->resp, rc, 500, "%s", "internal error");
	p->req.caps = caps;
	if (caps & WRIT_CAP_ROOT)
		return WRIT_OK;
	if (caps & WRIT_CAP_DENY)
		return writ_resp_err(&p->resp, WRIT_EDENIED, 403, "%s", "permission denied");
	/* POST/PUT needs update; create alone lets the backend create only. */
	if (p->req.op == WRIT_OP_UPDATE && !(caps & WRIT_CAP_UPDATE) && (caps & WRIT_CAP_CREATE))
		p->req.op = WRIT_OP_CREATE;
	need = op_cap(p->req.op);
	if (core_path_sudo(p->req.path))
		need |= WRIT_CAP_SUDO;
	if ((caps & need) != need)
		return writ_resp_err(&p->resp, WRIT_EDENIED, 403, "%s", "permission denied");
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Output.
 */

static bool
envelope_member(const char *k)
{
	static const char *const names[] = {"request_id", "lease_id", "renewable",
	    "lease_duration", "data", "wrap_info", "warnings", "auth", "mount_type"};
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(names); i++) {
		if (strcmp(k, names[i]) == 0)
			return true;
	}
	return false;
}

/* The Vault envelope, written straight into the output buffer. */
static writ_rc
envelope(struct pipe *p, struct writ_buf *b)
{
	struct writ_resp *r = &p->resp;
	const char *k;
	json_t *v;
	writ_rc rc;

	rc = writ_buf_appends(b, "{\"request_id\":");
	if (rc == WRIT_OK)
		rc = writ_buf_append_json_str(b, p->req.id ? p->req.id : "", p->req.id ? 36 : 0);
	if (rc == WRIT_OK)
		rc = writ_buf_appends(b, ",\"lease_id\":");
	if (rc == WRIT_OK)
		rc = writ_buf_append_json_str(b, r->lease_id ? r->lease_id : "",
		    r->lease_id ? strlen(r->lease_id) : 0);
	if (rc == WRIT_OK)
		rc = writ_buf_appendf(b, ",\"renewable\":%s,\"lease_duration\":%lld,\"data\":",
		    r->renewable ? "true" : "false", (long long)r->lease_duration);
	if (rc == WRIT_OK)
		rc = writ_json_append(b, r->data);
	if (rc == WRIT_OK)
		rc = writ_buf_appends(b, ",\"wrap_info\":null,\"warnings\":");
	if (rc == WRIT_OK)
		rc = writ_json_append(b, r->warnings);
	if (rc == WRIT_OK)
		rc = writ_buf_appends(b, ",\"auth\":");
	if (rc == WRIT_OK)
		rc = writ_json_append(b, r->auth);
	if (rc == WRIT_OK)
		rc = writ_buf_appends(b, ",\"mount_type\":");
	if (rc == WRIT_OK)
		rc = writ_buf_appends(b, p->req.mount ? "\"" : "\"\"");
	if (rc == WRIT_OK && p->req.mount != NULL)
		rc = writ_buf_appendf(b, "%s\"", p->req.mount->type);
	/* Vault copies data's members to the top level for some sys paths. */
	if (r->data_to_top && json_is_object(r->data)) {
		json_object_foreach(r->data, k, v) {
			if (rc != WRIT_OK || envelope_member(k))
				continue;
			rc = writ_buf_append(b, ",", 1);
			if (rc == WRIT_OK)
				rc = writ_buf_append_json_str(b, k, strlen(k));
			if (rc == WRIT_OK)
				rc = writ_buf_append(b, ":", 1);
			if (rc == WRIT_OK)
				rc = writ_json_append(b, v);
		}
	}
	return rc == WRIT_OK ? writ_buf_append(b, "}", 1) : rc;
}

static void
internal_error(struct writ_core_out *out)
{
	out->status = 500;
	writ_buf_reset(&out->body);
	if (writ_buf_appends(&out->body, "{\"errors\":[\"internal error\"]}") != WRIT_OK)
		writ_buf_free(&out->body);
}

static void
render(struct pipe *p, struct writ_core_out *out)
{
	struct writ_resp *r = &p->resp;
	json_t *body = NULL;
	writ_rc rc;

	out->status = r->status ? r->status : (r->rc != WRIT_OK ? writ_rc_http_status(r->rc) : 200);
	if (r->rc != WRIT_OK && r->raw == NULL && r->data == NULL) {
		/* Vault's body, plus writ's stable error code (docs/ERRORS.md). */
		body = json_pack("{s:[], s:s}", "errors", "code", writ_rc_name(r->rc));
		if (body != NULL && r->msg[0] != '\0')
			json_array_append_new(json_object_get(body, "errors"), json_string(r->msg));
		rc = body ? writ_json_append(&out->body, body) : WRIT_ENOMEM;
		json_decref(body);
	} else if (r->raw != NULL) {
		rc = writ_json_append(&out->body, r->raw);
	} else if (out->status == 204 ||
	    (r->rc == WRIT_OK && r->data == NULL && r->auth == NULL && r->warnings == NULL &&
		r->lease_id == NULL)) {
		out->status = 204;
		return;
	} else {
		rc = envelope(p, &out->body);
	}
	if (rc != WRIT_OK)
		internal_error(out);
}

/* ---------------------------------------------------------------------------
 * The pipeline.
 */

/* Replace whatever the handler answered by a bare 500 (audit or sync failed). */
static writ_rc
fail_internal(struct pipe *p, writ_rc rc)
{
	struct writ_resp *r = &p->resp;

	json_decref(r->data);
	json_decref(r->auth);
	json_decref(r->raw);
	json_decref(r->warnings);
	r->data = r->auth = r->raw = r->warnings = NULL;
	r->lease_id = NULL;
	return writ_resp_err(r, rc, 500, "%s", "internal error");
}

static writ_rc
run_handler(struct pipe *p)
{
	struct writ_err err = {0};
	writ_rc rc;

	if (!core_path_unaudited(p->req.path) && core_audit_enabled(p->core)) {
		if (core_audit_request(p->core, &p->req, false, NULL, p->audit_req_seq,
			p->audit_frags, &err) != WRIT_OK)
			return writ_resp_err(&p->resp, WRIT_EIO, 500, "%s", "internal error");
		p->audited = true;
	}
	p->req.mount->handle(&p->req, &p->resp);
	if (p->last_use && p->req.token != NULL &&
	    writ_token_revoke_hash(p->core, p->req.token->id_hash, &err) != WRIT_OK)
		writ_log(WRIT_LOG_ERROR, "revoking a used-up token: %s", err.msg);
	if (p->audited &&
	    core_audit_request(p->core, &p->req, true, &p->resp, p->audit_resp_seq, p->audit_frags,
		&err) != WRIT_OK) {
		/* The change is made; the request entry records it.  Tell the client. */
		return fail_internal(p, WRIT_EIO);
	}
	if (p->resp.store_seq == 0)
		return p->resp.rc;
	/* A write: its store batch and audit entries must be durable before the reply. */
	p->ticket.store_seq = p->resp.store_seq;
	if (p->audited)
		memcpy(p->ticket.audit_seq, p->audit_resp_seq, sizeof(p->ticket.audit_seq));
	if (p->defer_sync)
		return p->resp.rc;
	if ((rc = writ_core_sync(p->core, &p->ticket, &err)) != WRIT_OK)
		return fail_internal(p, rc);
	return p->resp.rc;
}

/*
 * A request refused before its handler (no token, a bad or expired one, not
 * allowed by its policies): a request and a response entry with the error,
 * as Vault records them, so an investigator sees every attempt.  Nothing
 * changed, so nothing waits for the disk; an entry that cannot be written
 * turns the refusal into a 500 like any other audit failure.
 */
static void
audit_refusal(struct pipe *p)
{
	struct writ_err err = {0};

	if (core_path_unaudited(p->req.path) || !core_audit_enabled(p->core))
		return;
	if (core_audit_request(p->core, &p->req, false, &p->resp, p->audit_req_seq, p->audit_frags,
		&err) != WRIT_OK ||
	    core_audit_request(p->core, &p->req, true, &p->resp, p->audit_resp_seq, p->audit_frags,
		&err) != WRIT_OK)
		(void)fail_internal(p, WRIT_EIO);
}

bool
writ_core_ticket_pending(const struct writ_core_ticket *t)
{
	size_t i;

	if (t->store_seq != 0)
		return true;
	for (i = 0; i < WRIT_CORE_MAX_AUDIT; i++) {
		if (t->audit_seq[i] != 0)
			return true;
	}
	return false;
}

void
writ_core_ticket_merge(struct writ_core_ticket *dst, const struct writ_core_ticket *src)
{
	size_t i;

	if (src->store_seq > dst->store_seq)
		dst->store_seq = src->store_seq;
	for (i = 0; i < WRIT_CORE_MAX_AUDIT; i++) {
		if (src->audit_seq[i] > dst->audit_seq[i])
			dst->audit_seq[i] = src->audit_seq[i];
	}
}

writ_rc
writ_core_sync_store(struct writ_core *core, const struct writ_core_ticket *t,
    struct writ_err *err)
{
	writ_rc rc;

	if (t->store_seq != 0 && (rc = writ_store_sync(core->store, t->store_seq, err)) != WRIT_OK) {
		writ_log(WRIT_LOG_ERROR, "store sync failed: %s", err ? err->msg : "");
		return rc;
	}
	return WRIT_OK;
}

writ_rc
writ_core_sync_audit(struct writ_core *core, const struct writ_core_ticket *t,
    struct writ_err *err)
{
	return core_audit_sync(core, t->audit_seq, err);
}

writ_rc
writ_core_sync(struct writ_core *core, const struct writ_core_ticket *t, struct writ_err *err)
{
	writ_rc rc;

	if ((rc = writ_core_sync_store(core, t, err)) != WRIT_OK)
		return rc;
	return writ_core_sync_audit(core, t, err);
}

static void
serve(struct writ_core *core, const struct writ_core_in *in, struct writ_core_out *out,
    struct writ_core_ticket *ticket)
{
	struct pipe p;
	char id[37];

	memset(&p, 0, sizeof(p));
	p.defer_sync = ticket != NULL;
	p.core = core;
	p.in = in;
	p.req.core = core;
	writ_buf_init(&out->body, 0);
	if ((p.req.arena = writ_arena_new(core->limits.arena_cap, 0)) == NULL) {
		internal_error(out);
		return;
	}
	if (writ_uuid(id) == WRIT_OK)
		p.req.id = id;
	if (setup(&p) == WRIT_OK && route(&p) == WRIT_OK) {
		if (authorise(&p) == WRIT_OK &&
		    core_govern(core, &p.req, in->peer_spiffe_id, &p.resp) == WRIT_OK)
			(void)run_handler(&p);
		else
			audit_refusal(&p);
	}
	render(&p, out);
	if (ticket != NULL)
		*ticket = p.ticket;
	writ_token_release(p.req.token);
	json_decref(p.req.body);
	json_decref(p.req.query);
	json_decref(p.resp.data);
	json_decref(p.resp.auth);
	json_decref(p.resp.raw);
	json_decref(p.resp.warnings);
	writ_arena_free(p.req.arena);
}

void
writ_core_serve(struct writ_core *core, const struct writ_core_in *in,
    struct writ_core_out *out)
{
	serve(core, in, out, NULL);
}

void
writ_core_serve_nosync(struct writ_core *core, const struct writ_core_in *in,
    struct writ_core_out *out, struct writ_core_ticket *ticket)
{
	serve(core, in, out, ticket);
}
