package test

default f(x) := 1000

f(x) := x if {
	x > 0
}

p := xs if {
	xs := [y | x = [1, -2, 3][_]; y := f(x)]
}
