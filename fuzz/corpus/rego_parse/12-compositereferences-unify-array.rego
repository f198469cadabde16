package test

p := __local0__ if {
	true
	__local0__ = [x | data.fixture.r[[1, x]]]
}
