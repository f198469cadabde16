package test
p if {
  every i, x in input.l1 {
    input.l2[i] == $`<{x}>`
  }
}
