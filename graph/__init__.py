"""Passerelle's graph build: seeds -> parse -> resolve -> RDF -> reason -> validate -> store."""
