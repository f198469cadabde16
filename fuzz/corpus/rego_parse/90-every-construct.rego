# METADATA
# title: test
package a.b["c-d"]

import future.keywords.in
import data.x as y
import rego.v1

# the default
default allow := false

allow if {
	input.user == "alice" # trailing
	some x in [1, 2]
	every k, v in {"a": 1} { v > 0 }
	not deny
	x := {y | y := [1, 2][_]}
	z := $"hello {input.user} {1 + 2}"
}

f(x) := y if y := x * 2 + 1 - (3 - 1)

p[x] := 1 if x := "a"

q contains x if { some x in input.xs }

r := 1 if false
else := 2 if { true } else := 3

# end
