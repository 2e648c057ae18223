"""The formats API consumers' tools read besides ClaimTrack's own JSON: one module a format."""
