/* Conformance notes that test_rego_builtins.c expects to fail, one string each. */
NULL,
