# comments
// too
/* and
 this */
x = <<-EOT
    heredoc
      body
    EOT
l = [1, -2, 3.5e2, "s\u00e9\n", true, false, { a = "b" },]
o = { "k" = [] , n = { m = 1 } }
b "l1" "l2" { c = "\U0001F600" }
