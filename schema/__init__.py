"""The GraphQL schema of the public contract (docs/API.graphql)."""
