package x

p {
	true
}
