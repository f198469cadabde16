package fixture

edefampty := {set()}

s := {[1, 2], [1, 3], {"foo": "bar"}, {1, 2}, [2, 7], [[1, 1], 4]# METADATA
# description:a.fixture.s[x]
}#############################################ns [2, 2]
