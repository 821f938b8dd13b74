"""Reads behind the pages the public sees, one module per page."""
