package generated

p contains x if {
	xs = {k: 1 | data.a[_] = k}
	xs[x]
}
