#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Extract builtin calls from OPA's conformance cases for the builtin unit test.

There is no evaluator yet, so tests/unit/test_rego_builtins.c replays the cases
whose policy is a straight line of builtin calls over constants: a rule
`p := f(...)`, `p := x if { f(..., x) }`, `p contains x if { ... }` or
`p if { f(...) }` whose body only calls builtins, binds variables with = or
:= and uses helper constants, data and input by static paths.  Each such case
becomes one line of the output (the build writes it to its tests directory):

  {"file", "note", "folder", "kind": "complete"|"contains"|"bool",
   "steps": [{"call": name, "args": [term...], "neg": bool} |
             {"bind": var, "term": term}],
   "head": term, "want": <want_result>, "want_error_code", "want_error",
   "strict": bool}

Terms are JSON with tags: {"$set": [...]}, {"$obj": [[k, v], ...]},
{"$var": name}, {"$num": "text"}; a call's output is its last argument when
the builtin takes one operand fewer than given.  Cases outside that shape
are listed with "skip": reason so the test can count them.

Usage: scripts/rego_builtin_cases.py [cases.jsonl [out.jsonl]]
"""
import json
import os
import re
import sys


class Num(str):
    pass


class Var(str):
    pass


class Skip(Exception):
    pass


TOK = re.compile(r'''
    (?P<ws>[ \t\r]+|\#[^\n]*)
  | (?P<nl>\n)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<id>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op>:=|==|!=|<=|>=|[{}\[\]().,:;=<>+\-*/%|&])
''', re.X)

INFIX = [  # lowest precedence first
    {'==': 'equal', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte'},
    {'&': 'and'},
    {'+': 'plus', '-': 'minus'},
    {'*': 'mul', '/': 'div', '%': 'rem'},
]


def tokenize(src):
    out = []
    pos = 0
    while pos < len(src):
        m = TOK.match(src, pos)
        if not m:
            raise Skip('lex %r' % src[pos:pos + 10])
        pos = m.end()
        k = m.lastgroup
        if k == 'ws':
            continue
        out.append((k, m.group()))
    out.append(('eof', ''))
    return out


class P:
    def __init__(self, toks):
        self.t = toks
        self.i = 0

    def peek(self, skipnl=True):
        j = self.i
        while skipnl and self.t[j][0] == 'nl':
            j += 1
        return self.t[j]

    def next(self, skipnl=True):
        while skipnl and self.t[self.i][0] == 'nl':
            self.i += 1
        tok = self.t[self.i]
        self.i += 1
        return tok

    def expect(self, v):
        k, s = self.next()
        if s != v:
            raise Skip('expected %s got %s' % (v, s))

    # term := infix expression over primaries
    def term(self, lvl=0):
        if lvl == len(INFIX):
            return self.unary()
        left = self.term(lvl + 1)
        while True:
            k, s = self.peek(False)
            if k == 'op' and s in INFIX[lvl]:
                self.next(False)
                right = self.term(lvl + 1)
                left = ('call', INFIX[lvl][s], [left, right])
            else:
                return left

    def unary(self):
        k, s = self.peek()
        if s == '-':
            self.next()
            k2, s2 = self.next()
            if k2 != 'num':
                raise Skip('unary minus')
            return Num('-' + s2)
        return self.primary()

    def primary(self):
        k, s = self.next()
        if k == 'str':
            return json.loads(s)
        if k == 'raw':
            return s[1:-1]
        if k == 'num':
            return Num(s)
        if s == '[':
            items = self.seq(']')
            if isinstance(items, tuple):
                raise Skip('comprehension')
            return ('array', items)
        if s == '(':
            t = self.term()
            self.expect(')')
            return t
        if s == '{':
            return self.braces()
        if k == 'id':
            if s in ('true', 'false'):
                return s == 'true'
            if s == 'null':
                return None
            if s == 'set' and self.peek(False)[1] == '(':
                self.next()
                self.expect(')')
                return ('set', [])
            if s in ('some', 'every', 'not', 'with', 'in', 'if', 'contains', 'else', 'default'):
                raise Skip('keyword ' + s)
            name = [s]
            while True:
                k2, s2 = self.peek(False)
                if s2 == '.':
                    self.next(False)
                    name.append(self.next(False)[1])
                elif s2 == '[':
                    self.next(False)
                    idx = self.term()
                    self.expect(']')
                    name.append(idx)
                elif s2 == '(':
                    self.next(False)
                    args = self.seq(')')
                    if any(not isinstance(x, str) or isinstance(x, (Num, Var)) for x in name):
                        raise Skip('dynamic call')
                    return ('call', '.'.join(name), args)
                else:
                    break
            return ('ref', name)
        raise Skip('unexpected %s' % s)

    def seq(self, close):
        items = []
        while self.peek()[1] != close:
            items.append(self.term())
            if self.peek()[1] == '|':
                raise Skip('comprehension')
            if self.peek()[1] == ',':
                self.next()
        self.next()
        return items

    def braces(self):
        if self.peek()[1] == '}':
            self.next()
            return ('obj', [])
        first = self.term()
        if self.peek()[1] == ':':
            self.next()
            kvs = [(first, self.term())]
            if self.peek()[1] == '|':
                raise Skip('comprehension')
            while self.peek()[1] == ',':
                self.next()
                if self.peek()[1] == '}':
                    break
                k = self.term()
                self.expect(':')
                kvs.append((k, self.term()))
            self.expect('}')
            return ('obj', kvs)
        if self.peek()[1] == '|':
            raise Skip('comprehension')
        items = [first]
        while self.peek()[1] == ',':
            self.next()
            if self.peek()[1] == '}':
                break
            items.append(self.term())
        self.expect('}')
        return ('set', items)


def parse_module(src):
    """Rules as (name, kind, head_term, body_statements or None)."""
    toks = tokenize(src)
    p = P(toks)
    rules = []
    if p.next()[1] != 'package':
        raise Skip('no package')
    while p.peek(False)[0] not in ('nl', 'eof'):
        p.next(False)
    while p.peek()[0] != 'eof':
        k, name = p.next()
        if name == 'import':
            raise Skip('import')
        if k != 'id':
            raise Skip('rule start %s' % name)
        k, s = p.next(False)
        kind, head, body = None, None, None
        if s in (':=', '='):
            kind = 'complete'
            head = p.term()
        elif s == 'contains':
            kind = 'contains'
            head = p.term()
        elif s == 'if':
            kind = 'bool'
            head = True
            p.i -= 1
        else:
            raise Skip('rule form %s' % s)
        if p.peek(False)[1] == 'if':
            p.next(False)
            p.expect('{')
            body = body_stmts(p)
        elif p.peek(False)[1] == '{':
            raise Skip('old body')
        if p.peek(False)[0] not in ('nl', 'eof'):
            raise Skip('trailing %s' % p.peek(False)[1])
        rules.append((name, kind, head, body))
    return rules


def body_stmts(p):
    stmts = []
    while True:
        k, s = p.peek()
        if s == '}':
            p.next()
            return stmts
        neg = False
        if s == 'not':
            p.next()
            neg = True
        t = p.term()
        k, s = p.peek(False)
        if s in ('=', ':='):
            p.next(False)
            stmts.append(('unify', t, p.term()))
        else:
            stmts.append(('expr', t, neg))
        k, s = p.peek(False)
        if s == ';' or k == 'nl':
            p.next(False)
        elif s != '}':
            raise Skip('statement end %s' % s)


class Ctx:
    def __init__(self, case, consts):
        self.case = case
        self.consts = consts
        self.steps = []
        self.ntmp = 0

    def resolve_ref(self, name):
        root = name[0]
        if root in ('data', 'input'):
            if root not in self.case:
                raise Skip('no ' + root)
            v = self.case[root]
            for seg in name[1:]:
                if isinstance(seg, tuple) or isinstance(seg, Var):
                    raise Skip('dynamic ref')
                if isinstance(v, dict) and isinstance(seg, str) and not isinstance(seg, Num) and seg in v:
                    v = v[seg]
                elif isinstance(v, list) and isinstance(seg, Num) and int(seg) < len(v):
                    v = v[int(seg)]
                else:
                    raise Skip('ref miss')
            return json_term(v)
        if len(name) == 1:
            if root in self.consts:
                return self.lower(self.consts[root])
            return Var(root)
        raise Skip('ref %s' % name)

    def lower(self, t):
        """A term with calls hoisted into steps: tagged JSON."""
        if isinstance(t, Num):
            return {'$num': str(t)}
        if isinstance(t, Var):
            return {'$var': str(t)}
        if t is None or isinstance(t, (bool, str)):
            return t
        if isinstance(t, dict) and ('$num' in t or '$set' in t or '$obj' in t or '$var' in t):
            return t
        if isinstance(t, list):
            return t
        tag = t[0]
        if tag == 'array':
            return [self.lower(x) for x in t[1]]
        if tag == 'set':
            return {'$set': [self.lower(x) for x in t[1]]}
        if tag == 'obj':
            return {'$obj': [[self.lower(k), self.lower(v)] for k, v in t[1]]}
        if tag == 'ref':
            r = self.resolve_ref(t[1])
            return self.lower(r) if isinstance(r, Var) else r
        if tag == 'call':
            self.ntmp += 1
            out = '__t%d' % self.ntmp
            self.steps.append({'call': t[1], 'args': [self.lower(a) for a in t[2]] + [{'$var': out}],
                               'neg': False})
            return {'$var': out}
        raise Skip('term %r' % (tag,))


def json_term(v):
    if isinstance(v, bool) or v is None or isinstance(v, Num):
        return {'$num': str(v)} if isinstance(v, Num) else v
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return [json_term(x) for x in v]
    if isinstance(v, dict):
        return {'$obj': [[k, json_term(x)] for k, x in v.items()]}
    raise Skip('json')


def extract(case):
    if case.get('query') not in ('data.generated.p = x', 'data.test.p = x'):
        raise Skip('query')
    if len(case['modules']) != 1:
        raise Skip('modules')
    if 'input_term' in case:
        raise Skip('input_term')
    rules = parse_module(case['modules'][0])
    consts = {}
    prule = None
    for name, kind, head, body in rules:
        if name == 'p':
            if prule is not None:
                raise Skip('several p rules')
            prule = (kind, head, body)
        elif kind == 'complete' and body is None:
            consts[name] = head
        else:
            raise Skip('helper rule')
    if prule is None:
        raise Skip('no p')
    kind, head, body = prule
    cx = Ctx(case, consts)
    for st in body or []:
        if st[0] == 'unify':
            lhs, rhs = st[1], st[2]
            if isinstance(lhs, tuple) and lhs[0] == 'ref' and len(lhs[1]) == 1 and lhs[1][0] not in consts:
                cx.steps.append({'bind': lhs[1][0], 'term': cx.lower(rhs)})
            else:
                raise Skip('unify shape')
        else:
            t, neg = st[1], st[2]
            if not (isinstance(t, tuple) and t[0] == 'call'):
                raise Skip('expr shape')
            cx.steps.append({'call': t[1], 'args': [cx.lower(a) for a in t[2]], 'neg': neg})
    h = cx.lower(head)
    if not any('call' in s for s in cx.steps):
        raise Skip('no call')
    return {'kind': kind, 'steps': cx.steps, 'head': h}


def dump(v):
    if isinstance(v, Num):
        return str(v)
    if isinstance(v, dict):
        return '{' + ','.join(json.dumps(k) + ':' + dump(x) for k, x in v.items()) + '}'
    if isinstance(v, list):
        return '[' + ','.join(dump(x) for x in v) + ']'
    return json.dumps(v)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else '../shared/conformance/opa/v1-cases.jsonl'
    if len(sys.argv) > 2:
        sys.stdout = open(sys.argv[2], 'w')
    if not os.path.exists(path):
        return  # no cases beside the repository: an empty file, and the test skips
    for line in open(path):
        case = json.loads(line, parse_float=Num, parse_int=Num)
        rec = {'file': case['file'], 'note': case['note'], 'folder': case['file'].split('/')[1]}
        try:
            rec.update(extract(case))
        except Skip as e:
            rec['skip'] = str(e)
        except RecursionError:
            rec['skip'] = 'deep'
        if 'skip' not in rec:
            for k in ('want_result', 'want_error_code', 'want_error'):
                if k in case:
                    rec[k] = case[k]
            if 'want_error' in rec:
                rec['want_error'] = re.sub(r'^[\w.-]+\.rego:\d+: ', '', rec['want_error'])
            rec['strict'] = bool(case.get('strict_error'))
        print(dump(rec))


if __name__ == '__main__':
    main()
