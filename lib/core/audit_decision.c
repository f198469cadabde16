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
