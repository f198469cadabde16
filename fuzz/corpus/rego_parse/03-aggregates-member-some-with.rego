package test

p contains [k, v] if {
	some k, v in input with input.foo as "bar"
}
