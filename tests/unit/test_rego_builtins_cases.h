/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hand-written checks of the core builtins (included by test_rego_builtins.c,
 * which defines expect_json, expect_err, expect_undef and S, the operand
 * separator).  HAND_TESTS lists them for main().
 */

static void
test_arith(void **state)
{
	(void)state;
	expect_json("plus", "1" S "2", "3");
	expect_json("minus", "3" S "1", "2");
	expect_err("div", "1" S "0", "eval_builtin_error", "div: divide by zero");
	expect_json("bits.lsh", "1" S "70", "1180591620717411303424");
	expect_json("bits.rsh", "-5" S "1", "-3");
	expect_err("numbers.range", "0" S "100000000", "eval_builtin_error", "exceed");
	expect_json("numbers.range_step", "0" S "10" S "3", "[0,3,6,9]");
	expect_json("numbers.range_step", "10" S "0" S "3", "[10,7,4,1]");
	expect_undef("max", "[]");
	expect_json("sort", "[3,\"a\",1,null]", "[null,1,3,\"a\"]");
}

#define HAND_TESTS X(test_arith)
