package test

p contains x if {
	some x in [1, 2, 3]
}
