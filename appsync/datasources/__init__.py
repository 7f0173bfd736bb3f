"""Data sources the emulator's resolvers call."""
