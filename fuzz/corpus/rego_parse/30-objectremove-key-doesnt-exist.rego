package generated

p := __local0__ if {
	object.remove({"a": 1, "b": {"c": 3}}, {"z"}, __local1__)
	__local0__ = __local1__
}
