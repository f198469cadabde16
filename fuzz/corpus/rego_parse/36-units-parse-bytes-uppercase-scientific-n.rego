package test

p if {
	units.parse_bytes("3.2E2MiB") == 335544320
}
