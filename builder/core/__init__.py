"""The shared bottom: data contracts, the one tokenizer, spans, label sets and the label schema."""
