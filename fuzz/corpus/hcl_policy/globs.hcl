path "+" { capabilities = ["read"] }
path "+/+/*" { capabilities = ["list"] }
path "a/+/b*" { capabilities = ["update"] }
path "a/+/+" { capabilities = ["patch"] }
path "*" { capabilities = ["deny"] }
path "" { capabilities = [] }
