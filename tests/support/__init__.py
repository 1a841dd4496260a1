"""Helpers shared by the tests: fabricated editions, a headless-Chromium driver."""
