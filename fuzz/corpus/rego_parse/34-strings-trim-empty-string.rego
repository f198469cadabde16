package generated

p := x if {
	trim("", ".", x)
}
