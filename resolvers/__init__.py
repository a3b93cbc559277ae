"""Query and mutation resolvers, the per-request context and its DataLoaders."""
