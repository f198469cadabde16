/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policy decisions in the audit log: each decision the decision service
 * makes is one hash-chained line per audit device, so an investigator finds
 * what an agent asked and what it was told beside what it then did through
 * the API (`writ audit query -type decision -identity ...`).
 *
 * Before a decision is logged, the operator's mask policy (OPA's
 * data.system.log.mask) may erase or overwrite parts of its input and
 * result, so secrets in inputs never reach the log; the input may also be
 * logged only as its HMAC under the device's key, or not at all.  Unlike
 * OPA there is no drop rule: every decision is recorded.
 */
#include <stdlib.h>
#include <string.h>

#include "writ/audit.h"
#include "writ/core.h"

#include "core_int.h"

/* JSON pointers longer than this are not masks anyone writes. */
#define MASK_PTR_MAX  1024
#define MASK_SEGS_MAX 64

/*
 * Split a pointer into unescaped segments (~1 is "/", ~0 is "~") in buf.
 * False when malformed or too long.
 */
static bool
ptr_split(const char *p, char *buf, const char **segs, size_t *nsegs)
{
	size_t n = 0, o = 0;

	if (strlen(p) >= MASK_PTR_MAX || p[0] != '/')
		return false;
	while (*p == '/') {
		if (n == MASK_SEGS_MAX)
			return false;
		segs[n++] = buf + o;
		for (p++; *p != '\0' && *p != '/'; p++) {
			if (*p == '~') {
				if (p[1] != '0' && p[1] != '1')
					return false;
				buf[o++] = p[1] == '0' ? '~' : '/';
				p++;
			} else {
				buf[o++] = *p;
			}
		}
		buf[o++] = '\0';
	}
	*nsegs = n;
	return *p == '\0';
}

/* Apply one operation; 1 applied, 0 undefined (nothing there), -1 not a valid mask. */
static int
mask_one(json_t *event, const char *ptr, bool upsert, json_t *value)
{
	const char *segs[MASK_SEGS_MAX];
	char buf[MASK_PTR_MAX];
	json_t *parent = event, *next;
	size_t n, i;

	if (!ptr_split(ptr, buf, segs, &n) ||
	    (strcmp(segs[0], "input") != 0 && strcmp(segs[0], "result") != 0))
		return -1;
	for (i = 0; i + 1 < n; i++) {
		if ((next = json_object_get(parent, segs[i])) == NULL) {
			if (!upsert)
				return 0;
			if ((next = json_object()) == NULL || json_object_set_new(parent, segs[i], next) != 0)
				return -1;
		}
		if (!json_is_object(next))
			return 0; /* arrays and scalars have no keys to mask */
		parent = next;
	}
	if (upsert)
		return json_object_set(parent, segs[n - 1], value) == 0 ? 1 : -1;
	return json_object_del(parent, segs[n - 1]) == 0 ? 1 : 0;
}

static writ_rc
note(json_t *event, const char *key, const char *ptr)
{
	json_t *list = json_object_get(event, key);

	if (list == NULL) {
		if ((list = json_array()) == NULL || json_object_set_new(event, key, list) != 0)
			return WRIT_ENOMEM;
	}
	return json_array_append_new(list, json_string(ptr)) == 0 ? WRIT_OK : WRIT_ENOMEM;
}

writ_rc
writ_decision_mask(json_t *event, const json_t *mask, size_t *ignored)
{
	json_t *m, *path, *op, *value;
	size_t i;
	int r;

	*ignored = 0;
	if (mask == NULL)
		return WRIT_OK;
	if (!json_is_array(mask)) {
		*ignored = 1;
		return WRIT_OK;
	}
	json_array_foreach(mask, i, m) {
		bool upsert = false;
		const char *ptr;

		if (json_is_string(m)) {
			ptr = json_string_value(m);
			value = NULL;
		} else {
			path = json_object_get(m, "path");
			op = json_object_get(m, "op");
			value = json_object_get(m, "value");
			if (!json_is_string(path) || !json_is_string(op) ||
			    (strcmp(json_string_value(op), "remove") != 0 &&
				!(upsert = strcmp(json_string_value(op), "upsert") == 0)) ||
			    (upsert && value == NULL)) {
				++*ignored;
				continue;
			}
			ptr = json_string_value(path);
		}
		if ((r = mask_one(event, ptr, upsert, value)) < 0)
			++*ignored;
		else if (r > 0 && note(event, upsert ? "masked" : "erased", ptr) != WRIT_OK)
			return WRIT_ENOMEM;
	}
	return WRIT_OK;
}

/*
 * The line for one device: {"time","type":"decision","caller":..,"decision":..}
 * with the input as mode says (HMAC under this device's key).
 */
static writ_rc
decision_line(const struct writ_audit *log, json_t *event, enum writ_decision_input mode,
    bool input_too_big, struct writ_buf *b)
{
	json_t *line = NULL, *dec = NULL, *input = json_object_get(event, "input"), *caller;
	char now[48], mac[WRIT_AUDIT_HMAC_STR_LEN];
	int64_t sec;
	long nsec;
	writ_rc rc = WRIT_ENOMEM;

	writ_time_now_ns(&sec, &nsec);
	writ_time_rfc3339(now, sizeof(now), sec, nsec);
	if ((dec = json_deep_copy(event)) == NULL)
		return WRIT_ENOMEM;
	json_object_del(dec, "caller");
	if (input != NULL && (mode != WRIT_DECISION_INPUT_FULL || input_too_big)) {
		json_object_del(dec, "input");
		if (mode != WRIT_DECISION_INPUT_NONE) {
			char *text = json_dumps(input, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

			if (text == NULL)
				goto out;
			writ_audit_hmac(log, text, strlen(text), mac);
			free(text);
			if (json_object_set_new(dec, "input_hmac", json_string(mac)) != 0)
				goto out;
		}
		if (input_too_big && json_object_set_new(dec, "input_truncated", json_true()) != 0)
			goto out;
	}
	caller = json_object_get(event, "caller");
	line = json_pack("{s:s, s:s, s:O?, s:O}", "time", now, "type", "decision", "caller", caller,
	    "decision", dec);
	if (line != NULL)
		rc = writ_json_append(b, line);
out:
	json_decref(line);
	json_decref(dec);
	return rc;
}

writ_rc
writ_core_audit_decision(struct writ_core *core, json_t *event, enum writ_decision_input mode,
    uint64_t seqs[WRIT_CORE_MAX_AUDIT], struct writ_err *err)
{
	struct writ_core_priv *p = core->priv;
	struct writ_buf b;
	size_t i, ok = 0;
	writ_rc rc;

	memset(seqs, 0, WRIT_CORE_MAX_AUDIT * sizeof(*seqs));
	if (!json_is_object(event))
		return WRIT_ERR(err, WRIT_EINVAL, "a decision event is a JSON object");
	writ_buf_init(&b, WRIT_AUDIT_LINE_MAX);
	pthread_rwlock_rdlock(&p->lock);
	for (i = 0; i < p->ndevices; i++) {
		struct audit_device *d = &p->devices[i];

		writ_buf_reset(&b);
		rc = decision_line(d->log, event, mode, false, &b);
		if (rc == WRIT_OK)
			rc = writ_audit_append(d->log, b.ptr, b.len, &seqs[i], err);
		if (rc == WRIT_ETOOBIG) { /* an input too large for a line: its HMAC instead */
			writ_buf_reset(&b);
			rc = decision_line(d->log, event, mode, true, &b);
			if (rc == WRIT_OK)
				rc = writ_audit_append(d->log, b.ptr, b.len, &seqs[i], err);
		}
		if (rc == WRIT_OK)
			ok++;
		else
			writ_log(WRIT_LOG_ERROR, "audit device \"%s\" failed to record a decision: %s",
			    d->name, err != NULL && err->msg[0] ? err->msg : writ_rc_name(rc));
	}
	pthread_rwlock_unlock(&p->lock);
	writ_buf_free(&b);
	if (i > 0 && ok == 0)
		return WRIT_ERR(err, WRIT_EIO, "no audit device recorded the decision");
	return WRIT_OK;
}

/* Longer number tokens may not fit jansson's integer or double: the general path. */
#define TEXT_NUMBER_MAX 15

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* \uXXXX at s (4 hex digits after "\u"): NUL or a surrogate half? */
static bool
bad_escape(const char *s)
{
	char c1 = s[1] | 0x20;

	if (memcmp(s, "0000", 4) == 0)
		return true;
	return (s[0] == 'd' || s[0] == 'D') && c1 >= '8' && c1 <= 'f' && !(c1 > '9' && c1 < 'a');
}

/*
 * Append JSON text the policy engine accepted (so well formed, UTF-8)
 * without its blanks.  WRIT_EUNSUPPORTED for a \u0000 or surrogate escape
 * or a long number, which jansson-based readers of the log would refuse.
 */
static writ_rc
append_compact(struct writ_buf *b, const char *s, size_t len)
{
	size_t i = 0, start = 0, num = 0;
	bool in_str = false;
	writ_rc rc;

	while (i < len) {
		char c = s[i];

		if (in_str) {
			if (c == '\\') {
				if (i + 1 < len && s[i + 1] == 'u' && (len - i < 6 || bad_escape(s + i + 2)))
					return WRIT_EUNSUPPORTED;
				i += 2;
				continue;
			}
			in_str = c != '"';
		} else if (is_blank(c)) {
			if ((rc = writ_buf_append(b, s + start, i - start)) != WRIT_OK)
				return rc;
			start = i + 1;
		} else if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' ||
		    c == 'E') {
			if (++num > TEXT_NUMBER_MAX)
				return WRIT_EUNSUPPORTED;
			i++;
			continue;
		} else {
			in_str = c == '"';
		}
		num = 0;
		i++;
	}
	return in_str ? WRIT_EUNSUPPORTED : writ_buf_append(b, s + start, len - start);
}

static writ_rc
put_member(struct writ_buf *b, const char *key, const char *value)
{
	writ_rc rc = writ_buf_append_json_str(b, key, strlen(key));

	if (rc == WRIT_OK)
		rc = writ_buf_append(b, ":", 1);
	return rc == WRIT_OK ? writ_buf_append_json_str(b, value, strlen(value)) : rc;
}

/* {"time","type":"decision","caller":{..},"decision":{..}} as decision_line writes it. */
static writ_rc
decision_text(const struct writ_decision_entry *e, enum writ_decision_input mode,
    struct writ_buf *b)
{
	char now[48];
	int64_t sec;
	long nsec;
	bool comma = false;
	writ_rc rc;

	writ_time_now_ns(&sec, &nsec);
	writ_time_rfc3339(now, sizeof(now), sec, nsec);
	rc = writ_buf_append(b, "{\"time\":\"", 9);
	if (rc == WRIT_OK)
		rc = writ_buf_append(b, now, strlen(now));
	if (rc == WRIT_OK)
		rc = writ_buf_append(b, "\",\"type\":\"decision\",\"caller\":{", 30);
	if (rc == WRIT_OK && e->remote_addr != NULL) {
		rc = put_member(b, "remote_address", e->remote_addr);
		comma = true;
	}
	if (rc == WRIT_OK && e->spiffe_id != NULL && (!comma || (rc = writ_buf_append(b, ",", 1)) == WRIT_OK))
		rc = put_member(b, "spiffe_id", e->spiffe_id);
	if (rc == WRIT_OK)
		rc = writ_buf_append(b, "},\"decision\":{", 14);
	if (rc == WRIT_OK)
		rc = put_member(b, "decision_id", e->decision_id);
	if (rc == WRIT_OK && (rc = writ_buf_append(b, ",", 1)) == WRIT_OK)
		rc = put_member(b, "path", e->path);
	if (rc == WRIT_OK && e->input != NULL && mode == WRIT_DECISION_INPUT_FULL &&
	    (rc = writ_buf_append(b, ",\"input\":", 9)) == WRIT_OK)
		rc = append_compact(b, e->input, e->input_len);
	if (rc == WRIT_OK && e->result != NULL) {
		if (e->allowed >= 0)
			rc = e->allowed ? writ_buf_append(b, ",\"allowed\":true", 15)
					: writ_buf_append(b, ",\"allowed\":false", 16);
		if (rc == WRIT_OK && (rc = writ_buf_append(b, ",\"result\":", 10)) == WRIT_OK)
			rc = append_compact(b, e->result, e->result_len);
	}
	if (rc == WRIT_OK && e->error_code != NULL) {
		rc = writ_buf_append(b, ",\"error\":{", 10);
		if (rc == WRIT_OK)
			rc = put_member(b, "code", e->error_code);
		if (rc == WRIT_OK && (rc = writ_buf_append(b, ",", 1)) == WRIT_OK)
			rc = put_member(b, "message", e->error_message != NULL ? e->error_message : "");
		if (rc == WRIT_OK)
			rc = writ_buf_append(b, "}", 1);
	}
	if (rc == WRIT_OK && (rc = writ_buf_append(b, ",", 1)) == WRIT_OK)
		rc = put_member(b, "revision", e->revision != NULL ? e->revision : "");
	if (rc == WRIT_OK)
		rc = writ_buf_appendf(b, ",\"latency_ns\":%llu}}", (unsigned long long)e->latency_ns);
	return rc;
}

writ_rc
writ_core_audit_decision_text(struct writ_core *core, const struct writ_decision_entry *e,
    enum writ_decision_input mode, uint64_t seqs[WRIT_CORE_MAX_AUDIT], struct writ_err *err)
{
	struct writ_core_priv *p = core->priv;
	struct writ_buf b;
	size_t i, ok = 0;
	writ_rc rc;

	memset(seqs, 0, WRIT_CORE_MAX_AUDIT * sizeof(*seqs));
	if (mode == WRIT_DECISION_INPUT_HMAC)
		return WRIT_EUNSUPPORTED;
	writ_buf_init(&b, WRIT_AUDIT_LINE_MAX);
	if ((rc = decision_text(e, mode, &b)) != WRIT_OK) {
		writ_buf_free(&b);
		return rc == WRIT_ENOMEM ? WRIT_ERR(err, rc, "decision log: out of memory")
					 : WRIT_EUNSUPPORTED;
	}
	pthread_rwlock_rdlock(&p->lock);
	for (i = 0; i < p->ndevices; i++) {
		struct audit_device *d = &p->devices[i];

		rc = writ_audit_append(d->log, b.ptr, b.len, &seqs[i], err);
		if (rc == WRIT_ETOOBIG) /* the same for every device: nothing written yet */
			break;
		if (rc == WRIT_OK)
			ok++;
		else
			writ_log(WRIT_LOG_ERROR, "audit device \"%s\" failed to record a decision: %s",
			    d->name, err != NULL && err->msg[0] ? err->msg : writ_rc_name(rc));
	}
	pthread_rwlock_unlock(&p->lock);
	writ_buf_free(&b);
	if (rc == WRIT_ETOOBIG && ok == 0)
		return WRIT_EUNSUPPORTED;
	if (i > 0 && ok == 0)
		return WRIT_ERR(err, WRIT_EIO, "no audit device recorded the decision");
	return WRIT_OK;
}
