package generated

p contains i if {
	xs = [x | x = data.a[_]]
	__local0__ = xs[i]
	__local0__ > 1
}
