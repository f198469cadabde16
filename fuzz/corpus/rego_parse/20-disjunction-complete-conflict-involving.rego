package test

p if {
	q
}

xs := {1, 2}

q := xs[_]
