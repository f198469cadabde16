# METADATA
# title: test
package a.b["c-d"]

import future.keywords.in
import data.x as y
import rego.v1

# the] := 1 if x := "*
q contains x if { some x in input.xs }

r := 1 if false
else := 2 if { true } else := 3

# end
