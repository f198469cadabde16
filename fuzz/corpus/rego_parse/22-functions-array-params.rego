package test.l1.l3

g(__local175__) := __local175__
