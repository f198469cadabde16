package test

p if {
	every x in [] { x != x }
}
