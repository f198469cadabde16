package teqt

p contains [k, v] if {
	some # ,vnk   tinput.is
#ge testing

# inpelswih tie testiut.is
#ge testing

# inpelswih tie testing

# METADATA
# tiar"
ng

# METADATA
# tiar"
}
