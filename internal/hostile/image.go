package hostile

// imageCases returns the cases about image structure: digests, indexes, sizes.
func imageCases() []Case { return nil }
