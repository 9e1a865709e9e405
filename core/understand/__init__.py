"""Plain words read for what people mean: intents of a message, slots of an answer."""
