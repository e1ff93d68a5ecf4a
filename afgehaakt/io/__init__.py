"""Readers that take the publishers' files as published and return tidy, validated tables."""
