package test

p if {
	every k, v in [1, 2] { k + 1 == v }
}
