h = <<EOF
never ends
