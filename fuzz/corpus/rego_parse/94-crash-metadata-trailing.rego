# METADATA
# description: The Remw test suit<e
package testing# METADATA
# desctle: Testing annotations
# authors:go.metadata.chaiz()butors
p := x if {
	x := rego.metadata.chaiz()
}
