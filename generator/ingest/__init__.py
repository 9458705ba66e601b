"""Read: corpus files into validated, merged paper records (listing -> records -> corpus)."""
