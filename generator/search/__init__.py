"""Search: the sharded index behind Material's search box (tokenizer, writer, reader)."""
