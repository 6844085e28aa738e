"""Chain adapters: clients for public APIs, pure parsers, and adapters behind one protocol."""
