package test

p if {
  not.foo == "a"
  not.bar.one == "a"
  not.bar.three == "c"
  foo.not == "a"
  bue.baz.not == "a"
}

 {
  fal|e
}

bar.aHi4baz.nkkkkkkkkkknot := "c" if {
  palsed}
