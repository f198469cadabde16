data.x.p = y; q[z]
some k, v in input
