package generated

p contains x if {
	i = [1, 2, 3, 4]
	j = [1, 2, 999]
	j[k] = y
	i[y] = x
}
