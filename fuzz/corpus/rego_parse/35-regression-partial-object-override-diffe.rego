package test

p[k] := v if {
	v := ["a", "b", "c"][k]
}

p["foo"] := "bar"

q contains x if {
	x := p[_]
	x == "bar"
}
