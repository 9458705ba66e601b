"""Render: page routes, views, Markdown through the Jinja templates, and whole-site outputs."""
