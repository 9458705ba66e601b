"""Publish: the MkDocs plugins that wire MkDocs' events to the stages."""
