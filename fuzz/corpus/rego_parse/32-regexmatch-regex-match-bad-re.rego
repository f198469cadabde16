package generated
p := regex.match("$^[[[", "something")
