#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Extract the builtin cases that rego_builtin_cases.py leaves out for
tests/unit/test_rego_builtins_more.c: shapes that need one more step than a
straight line of calls.

  "project": a rule other than p (result := r if r = f(...)) queried with a
             path below it (data.main.result.foo = x; data.main.result.bar = z);
             "query" lists [var, [field...]].
  "iterate": p contains x if { v = data.a.b[x]; f(..., v) }: the steps run once
             per element of "coll" with "var" bound to the index and "elem" to
             the element.
  "patchsuite": OPA's JSON Patch suite (jsonpatch/json_patch_tests): every
             {doc, patch, expected | error | opa_disabled} entry of the helper
             packages, judged by the case's own rules (expected equals the
             result, or the result is undefined when an error is expected).
  "mapproj": value := f(arg); result := {"valid": value[0], "certs": [{K: cert.a.b
             ...} | some cert in value[1]]} (the parse_and_verify cases).

Each line is {"file", "note", "folder", "kind", ...} plus want_result and the
error expectations, or "skip": reason.  Only the folders named in FOLDERS are
read.

Usage: scripts/rego_builtin_cases_more.py [cases.jsonl [out.jsonl]]
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rego_builtin_cases as base  # noqa: E402

FOLDERS = ('jsonpatch', 'globsmatch', 'cryptox509parseandverifycertificates')
Skip = base.Skip
Num = base.Num


def parse_query(q):
    """data.pkg.rule(.field)* = var; ... -> (pkg, rule, [[var, [fields]]])."""
    pkg, rule, out = None, None, []
    for part in q.split(';'):
        m = re.fullmatch(r'\s*data\.([\w.]+)\s*=\s*(\w+)\s*', part)
        if not m:
            raise Skip('query')
        path = m.group(1).split('.')
        if len(path) < 2:
            raise Skip('query')
        # The package is one segment (main, test, generated) in these cases.
        p, r, fields = path[0], path[1], path[2:]
        if pkg not in (None, p) or rule not in (None, r):
            raise Skip('query rules')
        pkg, rule = p, r
        out.append([m.group(2), fields])
    return pkg, rule, out


def extract_project(case):
    if len(case['modules']) != 1 or 'input_term' in case:
        raise Skip('modules')
    _, qrule, query = parse_query(case['query'])
    # Rego v1's brace-less body "r := x if expr" as the base parser's "if { expr }".
    src = re.sub(r'^(\w+ := \w+) if ([^{\n][^\n]*)$', r'\1 if {\n\t\2\n}', case['modules'][0],
                 flags=re.M)
    rules = base.parse_module(src)
    consts, target = {}, None
    for name, kind, head, body in rules:
        if name == qrule:
            target = (kind, head, body)
        elif kind == 'complete' and body is None:
            consts[name] = head
        else:
            raise Skip('helper rule')
    if target is None:
        raise Skip('no rule')
    kind, head, body = target
    cx = base.Ctx(case, consts)
    iterate = None
    for st in body or []:
        if st[0] == 'unify':
            lhs, rhs = st[1], st[2]
            # v = data.a.b[x] with x the head of a contains rule: iterate.
            if (kind == 'contains' and isinstance(rhs, tuple) and rhs[0] == 'ref' and
                    isinstance(rhs[1][-1], tuple) and rhs[1][-1][0] == 'ref' and
                    len(rhs[1][-1][1]) == 1 and isinstance(lhs, tuple) and lhs[0] == 'ref'):
                coll = cx.resolve_ref(rhs[1][:-1])
                iterate = {'var': rhs[1][-1][1][0], 'elem': lhs[1][0], 'coll': coll}
                continue
            if isinstance(lhs, tuple) and lhs[0] == 'ref' and len(lhs[1]) == 1:
                cx.steps.append({'bind': lhs[1][0], 'term': cx.lower(rhs)})
            else:
                raise Skip('unify shape')
        else:
            t, neg = st[1], st[2]
            if not (isinstance(t, tuple) and t[0] == 'call'):
                raise Skip('expr shape')
            cx.steps.append({'call': t[1], 'args': [cx.lower(a) for a in t[2]], 'neg': neg})
    if not any('call' in s for s in cx.steps):
        raise Skip('no call')
    rec = {'kind': 'iterate' if iterate else 'project', 'rule_kind': kind,
           'steps': cx.steps, 'head': cx.lower(head), 'query': query}
    if iterate:
        rec.update(iterate)
    return rec


def extract_patchsuite(case):
    cases = []
    for src in case['modules'][1:]:
        for name, kind, head, body in base.parse_module(src):
            if name != 'cases' or body is not None:
                raise Skip('suite shape')
            cases.extend(base.Ctx(case, {}).lower(head))
    return {'kind': 'patchsuite', 'cases': cases}


def extract_mapproj(case):
    src = case['modules'][0]
    m = re.search(r'certs := `([^`]*)`', src)
    call = re.search(r'value := ([\w.]+)\(certs\)', src)
    proj = re.findall(r'"(\w+)": cert\.([\w.]+)', src)
    if not (m and call and proj and 'some cert in value[1]' in src and '"valid": value[0]' in src):
        raise Skip('mapproj shape')
    return {'kind': 'mapproj', 'call': call.group(1), 'arg': m.group(1),
            'proj': [[k, p.split('.')] for k, p in proj]}


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else '../shared/conformance/opa/v1-cases.jsonl'
    if len(sys.argv) > 2:
        sys.stdout = open(sys.argv[2], 'w')
    if not os.path.exists(path):
        return
    for line in open(path):
        case = json.loads(line, parse_float=Num, parse_int=Num)
        folder = case['file'].split('/')[1]
        if folder not in FOLDERS:
            continue
        rec = {'file': case['file'], 'note': case['note'], 'folder': folder}
        try:
            if case['note'] == 'jsonpatch/json_patch_tests':
                rec.update(extract_patchsuite(case))
            elif folder == 'cryptox509parseandverifycertificates':
                rec.update(extract_mapproj(case))
            else:
                # The straight-line cases are rego_builtin_cases.py's.
                try:
                    base.extract(case)
                    raise Skip('straight line')
                except Skip as e:
                    if str(e) == 'straight line':
                        raise
                rec.update(extract_project(case))
        except Skip as e:
            rec['skip'] = str(e)
        except RecursionError:
            rec['skip'] = 'deep'
        if 'skip' not in rec:
            for k in ('want_result', 'want_error_code', 'want_error'):
                if k in case:
                    rec[k] = case[k]
            rec['strict'] = bool(case.get('strict_error'))
        print(base.dump(rec))


if __name__ == '__main__':
    main()
