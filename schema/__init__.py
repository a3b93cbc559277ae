"""The GraphQL schema of the public contract (shared/design/API.graphql)."""
