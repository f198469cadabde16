package test

c := 3 if {
	false
} else := 4
