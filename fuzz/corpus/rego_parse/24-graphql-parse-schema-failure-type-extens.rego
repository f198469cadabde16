package test

gql := `extend type Hello`

p if {
	graphql.parse_schema(gql)
}
